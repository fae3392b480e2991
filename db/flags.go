package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FlipWindow is how close together two overwrites of one field must come
// to flag the entry.
const FlipWindow = 7 * 24 * time.Hour

// Flag marks an entry of the organisation's book whose field keeps being
// changed by different sources ("who keeps overwriting?").
//
// The rule: a change to a field of an entry of the organisation's book is
// a flip when the field's previous change
//
//   - was itself an overwrite (it replaced a non-empty value: filling an
//     empty field, as a new entry does, never counts),
//   - came from another writer (the source — manual, import, api, message,
//     draft — and, for the API, the key: two systems syncing with two
//     keys are two writers), and
//   - happened at most FlipWindow before this one.
//
// So A→B by one writer, then B→A (or B→C) by another within 7 days flags
// the field. History keeps only masked values, so the rule looks at who
// changed what when, not at the values: an overwrite of someone else's
// recent overwrite is the pattern, whatever the value. Deleting an entry
// is not a field change. A flag stays until an admin dismisses it; a new
// flip opens it again.
type Flag struct {
	ID          int64
	OrgID       int64
	ContactID   int64
	Email       string
	Field       string
	Sources     []string // the sources involved, sorted
	Actors      []string // who within them: "user:12", "api-key:3 crm", "cli"
	Flips       int
	FirstAt     time.Time
	LastAt      time.Time
	DismissedAt time.Time // zero: open
	DismissedBy string
}

// writer names who makes a change, for the flip rule.
func writer(source, actor string) string {
	if source == SourceAPI {
		return source + " " + actor
	}
	return source
}

// noteFlip applies the flip rule to a change about to be written to c's
// history (before its row is inserted), and opens or extends the flag.
func (t *Tx) noteFlip(ctx context.Context, c Contact, d fieldDiff, ch Change, now time.Time) error {
	if c.OwnerUserID != 0 || d.field == "entry" {
		return nil
	}
	var prevOld, prevSource, prevActor string
	var prevAt int64
	err := mapError(t.queryRow(ctx, `SELECT old_value, source, actor, changed_at FROM contact_history
		WHERE org_id = ? AND contact_id = ? AND field = ? ORDER BY changed_at DESC, id DESC LIMIT 1`,
		c.OrgID, c.ID, d.field).Scan(&prevOld, &prevSource, &prevActor, &prevAt))
	if err == ErrNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading history of %s: %w", c.Email, err)
	}
	if prevOld == "" || writer(prevSource, prevActor) == writer(ch.Source, ch.Actor) || now.Sub(fromMicros(prevAt)) > FlipWindow {
		return nil
	}
	return t.openFlag(ctx, c, d.field, []string{prevSource, ch.Source}, []string{prevActor, clip(ch.Actor)}, now)
}

func (t *Tx) openFlag(ctx context.Context, c Contact, field string, sources, actors []string, now time.Time) error {
	var id int64
	var oldSources, oldActors string
	var dismissed *int64
	err := mapError(t.queryRow(ctx, `SELECT id, sources, actors, dismissed_at FROM contact_flags
		WHERE org_id = ? AND contact_id = ? AND field = ?`, c.OrgID, c.ID, field).Scan(&id, &oldSources, &oldActors, &dismissed))
	switch {
	case err == ErrNotFound:
		_, err = t.exec(ctx, `INSERT INTO contact_flags (org_id, contact_id, email, field, sources, actors, flips, first_at, last_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`, c.OrgID, c.ID, c.Email, field, joinSet(sources), joinSet(actors), micros(now), micros(now))
	case err != nil:
	case dismissed != nil: // dismissed, and it happens again: a fresh flag
		_, err = t.exec(ctx, `UPDATE contact_flags SET sources = ?, actors = ?, flips = 1, first_at = ?, last_at = ?,
			dismissed_at = NULL, dismissed_by = '' WHERE id = ?`, joinSet(sources), joinSet(actors), micros(now), micros(now), id)
	default:
		_, err = t.exec(ctx, `UPDATE contact_flags SET sources = ?, actors = ?, flips = flips + 1, last_at = ? WHERE id = ?`,
			joinSet(append(splitSet(oldSources), sources...)), joinSet(append(splitSet(oldActors), actors...)), micros(now), id)
	}
	if err != nil {
		return fmt.Errorf("flagging %s: %w", c.Email, err)
	}
	return nil
}

func joinSet(s []string) string {
	var out []string
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	if len(out) > 10 { // a bound on a row that grows with every flip
		out = out[len(out)-10:]
	}
	return strings.Join(out, "\n")
}

func splitSet(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

const flagColumns = `id, org_id, contact_id, email, field, sources, actors, flips, first_at, last_at, COALESCE(dismissed_at, 0), dismissed_by`

func scanFlag(r interface{ Scan(...any) error }) (Flag, error) {
	var f Flag
	var sources, actors string
	var first, last, dismissed int64
	err := r.Scan(&f.ID, &f.OrgID, &f.ContactID, &f.Email, &f.Field, &sources, &actors, &f.Flips, &first, &last, &dismissed, &f.DismissedBy)
	f.Sources, f.Actors = splitSet(sources), splitSet(actors)
	f.FirstAt, f.LastAt = fromMicros(first), fromMicros(last)
	if dismissed != 0 {
		f.DismissedAt = fromMicros(dismissed)
	}
	return f, mapError(err)
}

// Flags lists the organisation's open flags (and dismissed ones too when
// all is set), most recent first.
func (s *Store) Flags(ctx context.Context, orgID int64, all bool) ([]Flag, error) {
	where := "org_id = ? AND dismissed_at IS NULL"
	if all {
		where = "org_id = ?"
	}
	return s.queryFlags(ctx, `SELECT `+flagColumns+` FROM contact_flags WHERE `+where+` ORDER BY last_at DESC, id DESC LIMIT 1000`, orgID)
}

// OpenFlagsFor returns the open flags of the organisation's entries with
// the given keys (addresses or domains, as stored), by key.
func (s *Store) OpenFlagsFor(ctx context.Context, orgID int64, keys []string) (map[string][]Flag, error) {
	out := map[string][]Flag{}
	if len(keys) == 0 {
		return out, nil
	}
	if len(keys) > 500 {
		keys = keys[:500]
	}
	args := []any{orgID}
	for _, k := range keys {
		args = append(args, k)
	}
	list, err := s.queryFlags(ctx, `SELECT `+flagColumns+` FROM contact_flags WHERE org_id = ? AND dismissed_at IS NULL
		AND email IN (?`+strings.Repeat(", ?", len(keys)-1)+`) ORDER BY email, field`, args...)
	for _, f := range list {
		out[f.Email] = append(out[f.Email], f)
	}
	return out, err
}

// ContactFlags lists the open flags of one entry.
func (s *Store) ContactFlags(ctx context.Context, orgID, contactID int64) ([]Flag, error) {
	return s.queryFlags(ctx, `SELECT `+flagColumns+` FROM contact_flags WHERE org_id = ? AND contact_id = ? AND dismissed_at IS NULL
		ORDER BY field`, orgID, contactID)
}

func (s *Store) queryFlags(ctx context.Context, q string, args ...any) ([]Flag, error) {
	rows, err := s.reader().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading flags: %w", err)
	}
	defer rows.Close()
	var out []Flag
	for rows.Next() {
		f, err := scanFlag(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DismissFlag closes an open flag of the organisation (an admin has dealt
// with it); ErrNotFound when there is no such open flag.
func (t *Tx) DismissFlag(ctx context.Context, orgID, id int64, by string) (Flag, error) {
	f, err := scanFlag(t.queryRow(ctx, `SELECT `+flagColumns+` FROM contact_flags WHERE org_id = ? AND id = ? AND dismissed_at IS NULL`, orgID, id))
	if err != nil {
		return Flag{}, fmt.Errorf("flag %d: %w", id, err)
	}
	now := t.s.now().UTC()
	if _, err := t.exec(ctx, `UPDATE contact_flags SET dismissed_at = ?, dismissed_by = ? WHERE org_id = ? AND id = ?`,
		micros(now), clip(by), orgID, id); err != nil {
		return Flag{}, fmt.Errorf("dismissing flag %d: %w", id, err)
	}
	f.DismissedAt, f.DismissedBy = now, by
	return f, nil
}
