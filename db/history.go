package db

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// HistoryRow is one change to one field of an address-book entry. Values
// are masked: the history shows that a number changed and roughly to what,
// never the number or code itself.
type HistoryRow struct {
	ID        int64
	ContactID int64
	Email     string
	Field     string
	OldValue  string
	NewValue  string
	Source    string
	Actor     string
	ChangedAt time.Time
}

type fieldDiff struct{ field, old, new string }

func diffContact(old, next Contact, exists bool, maskPhone func(string) string) []fieldDiff {
	var out []fieldDiff
	add := func(field, a, b string, mask func(string) string) {
		if a != b {
			out = append(out, fieldDiff{field, mask(a), mask(b)})
		}
	}
	if !exists {
		old = Contact{}
	}
	add("full_name", old.FullName, next.FullName, MaskName)
	add("phone", old.Phone, next.Phone, func(p string) string {
		if p == "" {
			return ""
		}
		return maskPhone(p)
	})
	add("access_code", old.AccessCodeHash, next.AccessCodeHash, maskSecret)
	add("access_code_hint", old.AccessCodeHint, next.AccessCodeHint, MaskName)
	return out
}

func (t *Tx) addHistory(ctx context.Context, c Contact, diffs []fieldDiff, ch Change, now time.Time) error {
	if err := t.forgetDevicesOnChange(ctx, c, diffs, ch); err != nil {
		return err
	}
	for _, d := range diffs {
		if err := t.noteFlip(ctx, c, d, ch, now); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO contact_history (org_id, contact_id, owner_user_id, email, field, old_value, new_value, source, actor, changed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.OrgID, c.ID, Book{c.OrgID, c.OwnerUserID}.owner(), c.Email,
			d.field, d.old, d.new, ch.Source, clip(ch.Actor), micros(now))
		if err != nil {
			return fmt.Errorf("writing history of %s: %w", c.Email, err)
		}
	}
	return nil
}

// ContactHistory lists the changes to one entry of the organisation (of
// any of its books), oldest first.
func (s *Store) ContactHistory(ctx context.Context, orgID, contactID int64) ([]HistoryRow, error) {
	rows, err := s.reader().query(ctx, `SELECT id, contact_id, email, field, old_value, new_value, source, actor, changed_at
		FROM contact_history WHERE org_id = ? AND contact_id = ? ORDER BY changed_at, id`, orgID, contactID)
	if err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	defer rows.Close()
	var out []HistoryRow
	for rows.Next() {
		var h HistoryRow
		var at int64
		if err := rows.Scan(&h.ID, &h.ContactID, &h.Email, &h.Field, &h.OldValue, &h.NewValue, &h.Source, &h.Actor, &at); err != nil {
			return nil, err
		}
		h.ChangedAt = fromMicros(at)
		out = append(out, h)
	}
	return out, rows.Err()
}

// MaskPhone keeps the country code and the last two digits:
// +31612345678 becomes +316●●●●●●78.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return maskSecret(p)
	}
	return p[:4] + strings.Repeat("●", len(p)-6) + p[len(p)-2:]
}

// MaskName keeps the first letter of each word: "Jan de Vries" becomes
// "J●● d● V●●●●".
func MaskName(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(r) + strings.Repeat("●", utf8.RuneCountInString(w[size:]))
	}
	return strings.Join(words, " ")
}

func maskSecret(s string) string {
	if s == "" {
		return ""
	}
	return "●●●●●●●●"
}
