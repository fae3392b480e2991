package db

import (
	"context"
	"fmt"
	"time"
)

// Challenge is one recipient's verification state: the live SMS code (as
// a keyed hash), the wrong entries counted against it and against the
// recipient, and the lock. The rules that read and move it are
// portal/verify's; the statements here only apply them atomically.
type Challenge struct {
	RecipientID   int64
	OrgID         int64
	CodeHash      string // "" when no code is live
	CodeExpiresAt time.Time
	CodeFailures  int // wrong entries of the live code
	CodeSentAt    time.Time
	Failures      int       // consecutive wrong entries of any kind
	LockedAt      time.Time // zero when not locked
	ForgotAt      time.Time // last "I don't remember the access code"
}

// Locked reports whether the recipient is locked.
func (c Challenge) Locked() bool { return !c.LockedAt.IsZero() }

const challengeColumns = `recipient_id, org_id, code_hash, code_expires_at, code_failures, code_sent_at, failures, locked_at, forgot_at`

func scanChallenge(r interface{ Scan(...any) error }) (Challenge, error) {
	var c Challenge
	var expires, sent, forgot int64
	var locked *int64
	err := r.Scan(&c.RecipientID, &c.OrgID, &c.CodeHash, &expires, &c.CodeFailures, &sent, &c.Failures, &locked, &forgot)
	c.CodeExpiresAt, c.CodeSentAt, c.ForgotAt = fromZeroMicros(expires), fromZeroMicros(sent), fromZeroMicros(forgot)
	if locked != nil {
		c.LockedAt = fromMicros(*locked)
	}
	return c, mapError(err)
}

// fromZeroMicros is fromMicros with 0 meaning the zero time.
func fromZeroMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return fromMicros(us)
}

// zeroMicros is micros with the zero time stored as 0.
func zeroMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// Challenge returns a recipient's verification state; a recipient who
// never tried has a fresh one (no error).
func (s *Store) Challenge(ctx context.Context, orgID, recipientID int64) (Challenge, error) {
	return challenge(ctx, s.reader(), orgID, recipientID)
}

// Challenge is Store.Challenge inside the transaction.
func (t *Tx) Challenge(ctx context.Context, orgID, recipientID int64) (Challenge, error) {
	return challenge(ctx, t.conn, orgID, recipientID)
}

func challenge(ctx context.Context, c conn, orgID, recipientID int64) (Challenge, error) {
	ch, err := scanChallenge(c.queryRow(ctx, `SELECT `+challengeColumns+` FROM recipient_challenges
		WHERE org_id = ? AND recipient_id = ?`, orgID, recipientID))
	if err == ErrNotFound {
		return Challenge{RecipientID: recipientID, OrgID: orgID}, nil
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("challenge of recipient %d: %w", recipientID, err)
	}
	return ch, nil
}

// ensureChallenge creates the recipient's row if it has none; the
// recipient must belong to orgID.
func ensureChallenge(ctx context.Context, c conn, orgID, recipientID int64) error {
	_, err := c.exec(ctx, `INSERT INTO recipient_challenges (recipient_id, org_id)
		SELECT id, org_id FROM recipients WHERE id = ? AND org_id = ?
		ON CONFLICT (recipient_id) DO NOTHING`, recipientID, orgID)
	if err != nil {
		return fmt.Errorf("creating challenge of recipient %d: %w", recipientID, err)
	}
	return nil
}

// ChargeCode counts one entry of the live SMS code as wrong before it is
// checked, if the limits allow an entry at all: a live, unexpired code
// with fewer than maxCode wrong entries, fewer than maxTotal failures of
// the recipient, and no lock. ok is false when they do not; nothing
// changes then. Charging first makes the limits hold under concurrent
// guesses on every instance; a right guess undoes it (ConsumeCode).
func (s *Store) ChargeCode(ctx context.Context, orgID, recipientID int64, now time.Time, maxCode, maxTotal int) (Challenge, bool, error) {
	return s.charge(ctx, `code_failures = code_failures + 1, failures = failures + 1`,
		`AND code_hash <> '' AND code_expires_at > ? AND code_failures < ? AND failures < ?`,
		orgID, recipientID, micros(now), maxCode, maxTotal)
}

// ChargeAccessCode counts one access-code entry as wrong before it is
// checked, if the recipient has fewer than maxTotal failures and no lock.
func (s *Store) ChargeAccessCode(ctx context.Context, orgID, recipientID int64, maxTotal int) (Challenge, bool, error) {
	return s.charge(ctx, `failures = failures + 1`, `AND failures < ?`, orgID, recipientID, maxTotal)
}

func (s *Store) charge(ctx context.Context, set, where string, orgID, recipientID int64, args ...any) (Challenge, bool, error) {
	var ch Challenge
	var ok bool
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := ensureChallenge(ctx, tx.conn, orgID, recipientID); err != nil {
			return err
		}
		all := append([]any{orgID, recipientID}, args...)
		var err error
		ch, err = scanChallenge(tx.queryRow(ctx, `UPDATE recipient_challenges SET `+set+`
			WHERE org_id = ? AND recipient_id = ? AND locked_at IS NULL `+where+` RETURNING `+challengeColumns, all...))
		switch {
		case err == ErrNotFound:
			ch, err = tx.Challenge(ctx, orgID, recipientID)
			return err
		case err != nil:
			return fmt.Errorf("charging an attempt of recipient %d: %w", recipientID, err)
		}
		ok = true
		return nil
	})
	return ch, ok, err
}

// Refund takes back a charged entry that was never checked (the server
// was too busy to check it).
func (s *Store) Refund(ctx context.Context, orgID, recipientID int64, code bool) error {
	set := `failures = failures - 1`
	if code {
		set += `, code_failures = code_failures - 1`
	}
	_, err := s.writer().exec(ctx, `UPDATE recipient_challenges SET `+set+` WHERE org_id = ? AND recipient_id = ? AND failures > 0`,
		orgID, recipientID)
	return err
}

// ConsumeCode ends the live code whose hash is codeHash and clears the
// recipient's failures: a right guess. ok is false when that code is no
// longer live (a concurrent request used it, or a newer code replaced
// it): each code opens one session at most.
func (s *Store) ConsumeCode(ctx context.Context, orgID, recipientID int64, codeHash string) (bool, error) {
	res, err := s.writer().exec(ctx, `UPDATE recipient_challenges SET code_hash = '', code_failures = 0, failures = 0
		WHERE org_id = ? AND recipient_id = ? AND code_hash = ? AND code_hash <> '' AND locked_at IS NULL`, orgID, recipientID, codeHash)
	if err != nil {
		return false, fmt.Errorf("using the code of recipient %d: %w", recipientID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClearFailures resets the recipient's failures after a right access
// code; a lock stays.
func (s *Store) ClearFailures(ctx context.Context, orgID, recipientID int64) (bool, error) {
	res, err := s.writer().exec(ctx, `UPDATE recipient_challenges SET failures = 0
		WHERE org_id = ? AND recipient_id = ? AND locked_at IS NULL`, orgID, recipientID)
	if err != nil {
		return false, fmt.Errorf("clearing failures of recipient %d: %w", recipientID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Lock locks the recipient if it has at least maxTotal failures and is not
// locked yet; locked says whether this call did it, so that exactly one
// caller tells the sender (in the same transaction).
func (t *Tx) Lock(ctx context.Context, orgID, recipientID int64, now time.Time, maxTotal int) (locked bool, err error) {
	res, err := t.exec(ctx, `UPDATE recipient_challenges SET locked_at = ?, code_hash = ''
		WHERE org_id = ? AND recipient_id = ? AND locked_at IS NULL AND failures >= ?`, micros(now), orgID, recipientID, maxTotal)
	if err != nil {
		return false, fmt.Errorf("locking recipient %d: %w", recipientID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Unlock lifts a recipient's lock and clears every count: an admin's act.
// It fails with ErrNotFound when the recipient is not locked.
func (s *Store) Unlock(ctx context.Context, orgID, recipientID int64) error {
	return s.expectOne(s.writer().exec(ctx, `UPDATE recipient_challenges SET locked_at = NULL, failures = 0, code_failures = 0,
		code_hash = '' WHERE org_id = ? AND recipient_id = ? AND locked_at IS NOT NULL`, orgID, recipientID))
}

// Forgot records an "I don't remember the access code" request, if the
// last one was before notBefore; ok is false otherwise.
func (t *Tx) Forgot(ctx context.Context, orgID, recipientID int64, now, notBefore time.Time) (ok bool, err error) {
	if err := ensureChallenge(ctx, t.conn, orgID, recipientID); err != nil {
		return false, err
	}
	res, err := t.exec(ctx, `UPDATE recipient_challenges SET forgot_at = ?
		WHERE org_id = ? AND recipient_id = ? AND forgot_at <= ?`, micros(now), orgID, recipientID, zeroMicros(notBefore))
	if err != nil {
		return false, fmt.Errorf("recording a forgotten access code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
