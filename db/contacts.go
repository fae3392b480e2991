package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Sources of an address-book change.
const (
	SourceManual  = "manual"
	SourceImport  = "import"
	SourceAPI     = "api"
	SourceMessage = "message"
	SourceDraft   = "draft"
)

// Kinds of address-book entry.
const (
	KindAddress = "address"
	KindDomain  = "domain"
)

// Book names one address book: the organisation's (OwnerUserID 0) or a
// user's personal book.
type Book struct {
	OrgID       int64
	OwnerUserID int64
}

// OrgBook is the organisation's address book.
func OrgBook(orgID int64) Book { return Book{OrgID: orgID} }

// PersonalBook is a user's own address book.
func PersonalBook(orgID, userID int64) Book { return Book{OrgID: orgID, OwnerUserID: userID} }

func (b Book) owner() any {
	if b.OwnerUserID == 0 {
		return nil
	}
	return b.OwnerUserID
}

// Contact is one address-book entry: one address, or a whole domain.
type Contact struct {
	ID             int64
	OrgID          int64
	OwnerUserID    int64
	Kind           string
	Email          string // the address, or the domain for KindDomain
	FullName       string
	Phone          string // E.164
	AccessCodeHash string // argon2id, PHC string
	AccessCodeHint string
	Source         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ContactInput sets fields of an entry. A nil field is left as it is (or
// empty for a new entry); a pointer to "" clears it. The access code
// arrives hashed: the store never sees it.
type ContactInput struct {
	Email          string // an address, or a bare domain for a domain entry
	FullName       *string
	Phone          *string
	AccessCodeHash *string
	AccessCodeHint *string
}

// Change says who or what makes a change, for the entry's history.
type Change struct {
	Source string // SourceManual, SourceImport, …
	Actor  string // "user:12", "cli", "api-key:3" …
}

const contactColumns = `id, org_id, owner_user_id, kind, email, full_name, phone, access_code_hash, access_code_hint, source, created_at, updated_at`

func scanContact(r interface{ Scan(...any) error }) (Contact, error) {
	var c Contact
	var owner *int64
	var created, updated int64
	err := r.Scan(&c.ID, &c.OrgID, &owner, &c.Kind, &c.Email, &c.FullName, &c.Phone,
		&c.AccessCodeHash, &c.AccessCodeHint, &c.Source, &created, &updated)
	if owner != nil {
		c.OwnerUserID = *owner
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, mapError(err)
}

// NormalizeContactKey turns what a person typed as an entry's key into its
// stored form and kind: an address, or a domain ("example.com" or "@example.com").
func NormalizeContactKey(s string) (kind, key string, err error) {
	s = strings.TrimSpace(s)
	if strings.Contains(strings.TrimPrefix(s, "@"), "@") {
		key, err = NormalizeAddress(s)
		return KindAddress, key, err
	}
	key, err = NormalizeDomain(strings.TrimPrefix(s, "@"))
	return KindDomain, key, err
}

func validContactInput(in ContactInput, ch Change) error {
	switch ch.Source {
	case SourceManual, SourceImport, SourceAPI, SourceMessage, SourceDraft, SourceRecipientRequest:
	default:
		return invalid("source", "bad_source", clip(ch.Source))
	}
	if in.Phone != nil {
		if err := checkE164(*in.Phone); err != nil {
			return err
		}
	}
	if in.FullName != nil && len(*in.FullName) > 200 {
		return invalid("full_name", "too_long", "")
	}
	if in.AccessCodeHint != nil && len(*in.AccessCodeHint) > 200 {
		return invalid("access_code_hint", "too_long", "")
	}
	if in.AccessCodeHash != nil && *in.AccessCodeHash != "" && !strings.HasPrefix(*in.AccessCodeHash, "$argon2id$") {
		return invalid("access_code", "not_hashed", "")
	}
	return nil
}

// Outcome says what PutContact did.
type Outcome int

// What PutContact did.
const (
	Unchanged Outcome = iota
	Created
	Updated
)

// PutContact creates or updates the entry for in.Email in book, and writes
// a history row for every field that changed.
func (s *Store) PutContact(ctx context.Context, book Book, in ContactInput, ch Change) (Contact, Outcome, error) {
	var c Contact
	var out Outcome
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		c, out, err = tx.PutContact(ctx, book, in, ch)
		return err
	})
	return c, out, err
}

// PutContact is Store.PutContact inside a transaction (imports apply many
// rows in one).
func (t *Tx) PutContact(ctx context.Context, book Book, in ContactInput, ch Change) (Contact, Outcome, error) {
	kind, key, err := NormalizeContactKey(in.Email)
	if err != nil {
		return Contact{}, Unchanged, err
	}
	if err := validContactInput(in, ch); err != nil {
		return Contact{}, Unchanged, err
	}
	old, err := scanContact(t.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND email = ?`, book.OrgID, book.OwnerUserID, key))
	exists := err == nil
	if err != nil && err != ErrNotFound {
		return Contact{}, Unchanged, fmt.Errorf("reading contact %s: %w", key, err)
	}
	next := old
	if !exists {
		next = Contact{OrgID: book.OrgID, OwnerUserID: book.OwnerUserID, Kind: kind, Email: key}
	}
	apply(&next, in)
	diffs := diffContact(old, next, exists, t.s.mask)
	if exists && len(diffs) == 0 {
		return old, Unchanged, nil
	}
	now := t.s.now().UTC()
	next.Source, next.UpdatedAt = ch.Source, now
	if exists {
		_, err = t.exec(ctx, `UPDATE contacts SET full_name = ?, phone = ?, access_code_hash = ?, access_code_hint = ?, source = ?, updated_at = ?
			WHERE id = ? AND org_id = ?`, next.FullName, next.Phone, next.AccessCodeHash, next.AccessCodeHint, next.Source, micros(now), next.ID, book.OrgID)
	} else {
		next.CreatedAt = now
		next.ID, err = t.insert(ctx, `INSERT INTO contacts (org_id, owner_user_id, kind, email, full_name, phone, access_code_hash, access_code_hint, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, book.OrgID, book.owner(), next.Kind, next.Email, next.FullName, next.Phone,
			next.AccessCodeHash, next.AccessCodeHint, next.Source, micros(now), micros(now))
	}
	if err != nil {
		return Contact{}, Unchanged, fmt.Errorf("saving contact %s: %w", key, err)
	}
	if err := t.addHistory(ctx, next, diffs, ch, now); err != nil {
		return Contact{}, Unchanged, err
	}
	if exists {
		return next, Updated, nil
	}
	return next, Created, nil
}

func apply(c *Contact, in ContactInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.FullName, in.FullName)
	set(&c.Phone, in.Phone)
	set(&c.AccessCodeHash, in.AccessCodeHash)
	set(&c.AccessCodeHint, in.AccessCodeHint)
}

// Contact returns the entry for an address or domain in book.
func (s *Store) Contact(ctx context.Context, book Book, key string) (Contact, error) {
	_, k, err := NormalizeContactKey(key)
	if err != nil {
		return Contact{}, ErrNotFound
	}
	c, err := scanContact(s.reader().queryRow(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND email = ?`, book.OrgID, book.OwnerUserID, k))
	if err != nil {
		return Contact{}, fmt.Errorf("contact %s: %w", k, err)
	}
	return c, nil
}

// ContactByID returns one entry of book.
func (s *Store) ContactByID(ctx context.Context, book Book, id int64) (Contact, error) {
	c, err := scanContact(s.reader().queryRow(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND id = ?`, book.OrgID, book.OwnerUserID, id))
	if err != nil {
		return Contact{}, fmt.Errorf("contact %d: %w", id, err)
	}
	return c, nil
}

// ContactQuery selects a page of a book.
type ContactQuery struct {
	Search string // part of the address or name, case-insensitive
	Limit  int    // default 50, at most 1000
	Offset int
}

// Contacts lists a page of book's entries by address.
func (s *Store) Contacts(ctx context.Context, book Book, q ContactQuery) ([]Contact, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 50
	}
	like := "%" + escapeLike(strings.ToLower(strings.TrimSpace(q.Search))) + "%"
	out, err := collect[Contact](s.reader().query(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ?
		  AND (LOWER(email) LIKE ? ESCAPE '\' OR LOWER(full_name) LIKE ? ESCAPE '\')
		ORDER BY email LIMIT ? OFFSET ?`, book.OrgID, book.OwnerUserID, like, like, q.Limit, q.Offset))(scanContact)
	if err != nil {
		return nil, fmt.Errorf("listing contacts: %w", err)
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// DeleteContact removes an entry from book; its history stays.
func (s *Store) DeleteContact(ctx context.Context, book Book, id int64, ch Change) error {
	return s.InTx(ctx, func(tx *Tx) error {
		c, err := scanContact(tx.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts
			WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND id = ?`, book.OrgID, book.OwnerUserID, id))
		if err != nil {
			return fmt.Errorf("contact %d: %w", id, err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM contacts WHERE id = ? AND org_id = ?`, id, book.OrgID); err != nil {
			return err
		}
		now := tx.s.now().UTC()
		return tx.addHistory(ctx, c, []fieldDiff{{"entry", "present", "deleted"}}, ch, now)
	})
}
