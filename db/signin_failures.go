package db

import (
	"context"
	"fmt"
	"time"
)

// SigninLockedUntil returns the latest time any of keys is locked until
// (zero when none is locked at now).
func (s *Store) SigninLockedUntil(ctx context.Context, now time.Time, keys ...string) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		var lu int64
		err := s.reader().queryRow(ctx, `SELECT locked_until FROM signin_failures WHERE key = ?`, k).Scan(&lu)
		if mapError(err) == ErrNotFound {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("reading sign-in failures: %w", mapError(err))
		}
		if t := fromMicros(lu); t.After(now) && t.After(until) {
			until = t
		}
	}
	return until, nil
}

// CountSigninFailure counts one failure against key: a count older than
// window (and not locked) starts again. lockFor maps the count to how long
// the key is locked from now (0: not locked). It returns the new count.
func (s *Store) CountSigninFailure(ctx context.Context, key string, now time.Time, window time.Duration, lockFor func(n int) time.Duration) (int, error) {
	var n int
	err := s.InTx(ctx, func(tx *Tx) error {
		stale, at := micros(now.Add(-window)), micros(now)
		err := tx.queryRow(ctx, `INSERT INTO signin_failures (key, failures, first_at, locked_until) VALUES (?, 1, ?, 0)
			ON CONFLICT (key) DO UPDATE SET
			  failures = CASE WHEN signin_failures.first_at <= ? AND signin_failures.locked_until <= ? THEN 1 ELSE signin_failures.failures + 1 END,
			  first_at = CASE WHEN signin_failures.first_at <= ? AND signin_failures.locked_until <= ? THEN ? ELSE signin_failures.first_at END
			RETURNING failures`, key, at, stale, at, stale, at, at).Scan(&n)
		if err != nil {
			return mapError(err)
		}
		if d := lockFor(n); d > 0 {
			_, err = tx.exec(ctx, `UPDATE signin_failures SET locked_until = ? WHERE key = ?`, micros(now.Add(d)), key)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("counting a sign-in failure: %w", err)
	}
	return n, nil
}

// ClearSigninFailures forgets a key's failures (after a successful sign-in).
func (s *Store) ClearSigninFailures(ctx context.Context, key string) error {
	_, err := s.writer().exec(ctx, `DELETE FROM signin_failures WHERE key = ?`, key)
	return err
}
