package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FactorFailures is a user's run of wrong second-factor codes, TOTP and
// recovery codes alike. Unlike SigninFailures it has no window: only a
// right code or an admin's unlock ends it.
type FactorFailures struct {
	Count     int
	NotBefore time.Time // no code is checked before this
	Locked    bool      // locked until an admin unlocks it
}

// FactorPolicy maps the count a failure makes to how long no further code
// is checked (0: at once) and whether the second factor locks.
type FactorPolicy func(n int) (wait time.Duration, lock bool)

// FactorFailures returns the user's run of wrong codes (zero if none).
func (s *Store) FactorFailures(ctx context.Context, orgID, userID int64) (FactorFailures, error) {
	f, err := scanFactorFailures(s.reader().queryRow(ctx, `SELECT failures, not_before, locked_at FROM second_factor_failures
		WHERE org_id = ? AND user_id = ?`, orgID, userID))
	if errors.Is(err, ErrNotFound) {
		return FactorFailures{}, nil
	}
	if err != nil {
		return FactorFailures{}, fmt.Errorf("second-factor failures of user %d: %w", userID, err)
	}
	return f, nil
}

func scanFactorFailures(r scanner) (FactorFailures, error) {
	var f FactorFailures
	var notBefore, locked int64
	if err := mapError(r.Scan(&f.Count, &notBefore, &locked)); err != nil {
		return FactorFailures{}, err
	}
	f.NotBefore, f.Locked = fromMicros(notBefore), locked != 0
	return f, nil
}

// CountFactorAttempt counts one second-factor attempt as a failure ahead
// of its check (ClearFactorFailures takes it back when the code is right),
// unless the second factor is locked or its wait has not passed at now.
// It returns the run as it stood before and whether the attempt was
// counted, that is may be checked. Reading and counting are one
// transaction (the row locked on PostgreSQL, SQLite's one writer
// serialising anyway), so attempts made at once, on any instance, are each
// counted and each see the others: a burst cannot slip past the wait.
func (s *Store) CountFactorAttempt(ctx context.Context, orgID, userID int64, now time.Time, policy FactorPolicy) (before FactorFailures, counted bool, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO second_factor_failures (user_id, org_id) VALUES (?, ?)
			ON CONFLICT (user_id) DO NOTHING`, userID, orgID); err != nil {
			return mapError(err)
		}
		lock := ""
		if tx.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		before, err = scanFactorFailures(tx.queryRow(ctx, `SELECT failures, not_before, locked_at FROM second_factor_failures
			WHERE org_id = ? AND user_id = ?`+lock, orgID, userID))
		if err != nil || before.Locked || before.NotBefore.After(now) {
			return err
		}
		n := before.Count + 1
		wait, locks := policy(n)
		lockedAt := int64(0)
		if locks {
			lockedAt = micros(now)
		}
		_, err = tx.exec(ctx, `UPDATE second_factor_failures SET failures = ?, not_before = ?, locked_at = ?
			WHERE org_id = ? AND user_id = ?`, n, micros(now.Add(wait)), lockedAt, orgID, userID)
		counted = err == nil
		return mapError(err)
	})
	if err != nil {
		return FactorFailures{}, false, fmt.Errorf("counting a second-factor attempt of user %d: %w", userID, err)
	}
	return before, counted, nil
}

// ClearFactorFailures ends the user's run of wrong codes: after a right
// code, or an admin's unlock.
func (s *Store) ClearFactorFailures(ctx context.Context, orgID, userID int64) error {
	return clearFactorFailures(ctx, s.writer(), orgID, userID)
}

// ClearFactorFailures is Store.ClearFactorFailures inside tx.
func (t *Tx) ClearFactorFailures(ctx context.Context, orgID, userID int64) error {
	return clearFactorFailures(ctx, t.conn, orgID, userID)
}

func clearFactorFailures(ctx context.Context, q conn, orgID, userID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM second_factor_failures WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return fmt.Errorf("clearing second-factor failures of user %d: %w", userID, mapError(err))
	}
	return nil
}

// FactorLockedUsers returns the ids of the organisation's users whose
// second factor is locked.
func (s *Store) FactorLockedUsers(ctx context.Context, orgID int64) (map[int64]bool, error) {
	rows, err := s.reader().query(ctx, `SELECT user_id FROM second_factor_failures WHERE org_id = ? AND locked_at <> 0`, orgID)
	ids, err := collect[int64](rows, err)(func(r scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("users with a locked second factor: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
