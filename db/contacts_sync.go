package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// ContactsAfter lists up to limit entries of book whose key sorts after
// after (keyset paging for the sync API: stable while entries come and
// go, unlike an offset).
func (s *Store) ContactsAfter(ctx context.Context, book Book, after string, limit int) ([]Contact, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out, err := collect[Contact](s.reader().query(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND email > ?
		ORDER BY email LIMIT ?`, book.OrgID, book.OwnerUserID, after, limit))(scanContact)
	if err != nil {
		return nil, fmt.Errorf("listing contacts: %w", err)
	}
	return out, nil
}

// CountContacts counts the entries of book that match search (as in
// Contacts).
func (s *Store) CountContacts(ctx context.Context, book Book, search string) (int, error) {
	like := "%" + escapeLike(strings.ToLower(strings.TrimSpace(search))) + "%"
	var n int
	err := s.reader().queryRow(ctx, `SELECT COUNT(*) FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ?
		  AND (LOWER(email) LIKE ? ESCAPE '\' OR LOWER(full_name) LIKE ? ESCAPE '\')`,
		book.OrgID, book.OwnerUserID, like, like).Scan(&n)
	return n, mapError(err)
}

// Contact reads an entry inside the transaction, locking its row on
// PostgreSQL (SQLite's one writer serialises anyway), so that a check of
// the entry's version and the write that follows cannot interleave with
// another writer's.
func (t *Tx) Contact(ctx context.Context, book Book, key string) (Contact, error) {
	_, k, err := NormalizeContactKey(key)
	if err != nil {
		return Contact{}, ErrNotFound
	}
	lock := ""
	if t.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	c, err := scanContact(t.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND email = ?`+lock, book.OrgID, book.OwnerUserID, k))
	if err != nil {
		return Contact{}, fmt.Errorf("contact %s: %w", k, err)
	}
	return c, nil
}

// DeleteContact is Store.DeleteContact inside a transaction.
func (t *Tx) DeleteContact(ctx context.Context, book Book, c Contact, ch Change) error {
	res, err := t.exec(ctx, `DELETE FROM contacts WHERE id = ? AND org_id = ? AND COALESCE(owner_user_id, 0) = ?`,
		c.ID, book.OrgID, book.OwnerUserID)
	if err != nil {
		return fmt.Errorf("deleting contact %d: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("contact %d: %w", c.ID, ErrNotFound)
	}
	return t.addHistory(ctx, c, []fieldDiff{{"entry", "present", "deleted"}}, ch, t.s.now().UTC())
}

// Version is a digest of everything that makes up the entry's state (its
// id, fields and last change), for an HTTP ETag: any change gives another
// version, and a deleted and re-created entry never repeats one. It
// reveals nothing: the access code enters only as its salted hash.
func (c Contact) Version() string {
	h := sha256.New()
	for _, s := range []string{strconv.FormatInt(c.ID, 10), c.Email, c.FullName, c.Phone, c.AccessCodeHash,
		c.AccessCodeHint, strconv.FormatInt(micros(c.UpdatedAt), 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
