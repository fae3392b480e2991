package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SigninFailures is what the store knows of one key's failed sign-ins.
// Keys are the caller's ("account:<typed address>", "ip:<network>"): they
// exist before any organisation is known, so this table has no org_id.
type SigninFailures struct {
	Count       int       // failures in the current window; 0 once it has passed
	LockedUntil time.Time // not locked unless after now
}

// Locked reports whether the key is locked at now.
func (f SigninFailures) Locked(now time.Time) bool { return f.LockedUntil.After(now) }

// SigninFailures returns each key's failures at now, in the order of keys.
// A count older than window, and not locked, has lapsed: it reads as 0, as
// CountSigninFailure would start it again.
func (s *Store) SigninFailures(ctx context.Context, now time.Time, window time.Duration, keys ...string) ([]SigninFailures, error) {
	out := make([]SigninFailures, len(keys))
	for i, k := range keys {
		var n int
		var first, until int64
		err := mapError(s.reader().queryRow(ctx, `SELECT failures, first_at, locked_until FROM signin_failures WHERE key = ?`, k).
			Scan(&n, &first, &until))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading sign-in failures: %w", err)
		}
		out[i].LockedUntil = fromMicros(until)
		if first > micros(now.Add(-window)) || out[i].Locked(now) {
			out[i].Count = n
		}
	}
	return out, nil
}

// CountSigninFailure counts one failure against key: a count older than
// window (and not locked) starts again. lockFor maps the count to how long
// the key is locked from now (0: not locked). It returns the new count and
// the lock that was in force before this failure. The count is one upsert,
// so instances counting the same key at once add up and each sees where
// it stands.
func (s *Store) CountSigninFailure(ctx context.Context, key string, now time.Time, window time.Duration,
	lockFor func(n int) time.Duration) (n int, lockedBefore time.Time, err error) {
	var before int64
	err = s.InTx(ctx, func(tx *Tx) error {
		stale, at := micros(now.Add(-window)), micros(now)
		err := tx.queryRow(ctx, `INSERT INTO signin_failures (key, failures, first_at, locked_until) VALUES (?, 1, ?, 0)
			ON CONFLICT (key) DO UPDATE SET
			  failures = CASE WHEN signin_failures.first_at <= ? AND signin_failures.locked_until <= ? THEN 1 ELSE signin_failures.failures + 1 END,
			  first_at = CASE WHEN signin_failures.first_at <= ? AND signin_failures.locked_until <= ? THEN ? ELSE signin_failures.first_at END
			RETURNING failures, locked_until`, key, at, stale, at, stale, at, at).Scan(&n, &before)
		if err != nil {
			return mapError(err)
		}
		if d := lockFor(n); d > 0 {
			_, err = tx.exec(ctx, `UPDATE signin_failures SET locked_until = ? WHERE key = ?`, micros(now.Add(d)), key)
		}
		return err
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("counting a sign-in failure: %w", err)
	}
	return n, fromMicros(before), nil
}

// ClearSigninFailures forgets a key's failures (after a successful sign-in).
func (s *Store) ClearSigninFailures(ctx context.Context, key string) error {
	if _, err := s.writer().exec(ctx, `DELETE FROM signin_failures WHERE key = ?`, key); err != nil {
		return fmt.Errorf("clearing sign-in failures: %w", mapError(err))
	}
	return nil
}

// HoldSignin counts one more sign-in in progress under key and returns how
// many are now in progress. The row is kept in the same table (count in
// failures, last hold in first_at); holds not touched since stale are
// taken as left behind by a stopped instance, and the count starts again.
// One upsert, so instances holding the same key at once each see their
// place.
func (s *Store) HoldSignin(ctx context.Context, key string, now, stale time.Time) (int, error) {
	var n int
	at := micros(now)
	err := s.writer().queryRow(ctx, `INSERT INTO signin_failures (key, failures, first_at, locked_until) VALUES (?, 1, ?, 0)
		ON CONFLICT (key) DO UPDATE SET
		  failures = CASE WHEN signin_failures.first_at <= ? THEN 1 ELSE signin_failures.failures + 1 END,
		  first_at = ?
		RETURNING failures`, key, at, micros(stale), at).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("holding a sign-in: %w", mapError(err))
	}
	return n, nil
}

// ReleaseSignin ends one sign-in in progress under key (see HoldSignin),
// and drops the row once none is left, so that holds leave no trace.
func (s *Store) ReleaseSignin(ctx context.Context, key string) error {
	_, err := s.writer().exec(ctx, `UPDATE signin_failures SET failures = failures - 1 WHERE key = ? AND failures > 0`, key)
	if err == nil {
		_, err = s.writer().exec(ctx, `DELETE FROM signin_failures WHERE key = ? AND failures = 0`, key)
	}
	if err != nil {
		return fmt.Errorf("releasing a sign-in: %w", mapError(err))
	}
	return nil
}
