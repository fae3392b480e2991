package contacts

import (
	"context"
	"fmt"

	"sluis/db"
	"sluis/portal/secret"
)

// HashCode returns the hash to store for an access code of book's entry
// key: the stored hash when code is the one on file, so that writing the
// same code again changes nothing (no history row, the same ETag), else a
// new argon2id hash. Call it before the write transaction: the hash is slow.
func HashCode(ctx context.Context, s *db.Store, book db.Book, key, code string) (string, error) {
	return hashCode(ctx, s, book, key, code, secret.Hash, secret.Verify)
}

func hashCode(ctx context.Context, s *db.Store, book db.Book, key, code string,
	hash func(string) (string, error), verify func(hash, code string) (bool, error)) (string, error) {
	if old, err := s.Contact(ctx, book, key); err == nil && old.AccessCodeHash != "" {
		if ok, err := verify(old.AccessCodeHash, code); err == nil && ok {
			return old.AccessCodeHash, nil
		}
	}
	h, err := hash(code)
	if err != nil {
		return "", fmt.Errorf("hashing an access code: %w", err)
	}
	return h, nil
}

// Prepare checks e by the address-book rules (Check) and hashes its new
// access code, if any (HashCode): the store's input, ready to write in
// the caller's transaction. A refusal is a *FieldError.
func Prepare(ctx context.Context, s *db.Store, book db.Book, e Entry, region string) (Checked, error) {
	ck, err := Check(book, e, region)
	if err != nil || ck.Code == "" {
		return ck, err
	}
	hash, err := HashCode(ctx, s, book, ck.Input.Email, ck.Code)
	if err != nil {
		return Checked{}, err
	}
	ck.Input.AccessCodeHash, ck.Code = &hash, ""
	return ck, nil
}
