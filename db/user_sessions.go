package db

import (
	"context"
	"fmt"
	"time"
)

// Stages of a user's session.
const (
	StageFull         = "full"          // signed in
	StageSecondFactor = "second_factor" // password right, code to come
	StageEnrol        = "enrol"         // password right, a second factor to set up
)

// UserSession is a user's session. IDHash is the SHA-256 of the cookie token.
type UserSession struct {
	IDHash     string
	OrgID      int64
	UserID     int64
	Stage      string
	Failures   int // wrong second-factor codes in this session
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
}

// CreateUserSession stores a new session, removes the session it
// replaces (replaces: the id hash of the session a sign-in step rotates
// away from, or ""), and deletes sessions that ended before staleBefore
// (idle) or before now (absolute).
func (s *Store) CreateUserSession(ctx context.Context, us UserSession, replaces string, staleBefore time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM user_sessions WHERE expires_at <= ? OR last_seen_at <= ? OR id_hash = ?`,
			micros(us.CreatedAt), micros(staleBefore), replaces); err != nil {
			return fmt.Errorf("removing ended sessions: %w", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO user_sessions (id_hash, org_id, user_id, stage, failures, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, 0, ?, ?, ?)`, us.IDHash, us.OrgID, us.UserID, us.Stage,
			micros(us.CreatedAt), micros(us.LastSeenAt), micros(us.ExpiresAt))
		if err != nil {
			return fmt.Errorf("creating a user session: %w", err)
		}
		return nil
	})
}

// UserSessionByHash returns the session whose token hashes to idHash.
func (s *Store) UserSessionByHash(ctx context.Context, idHash string) (UserSession, error) {
	var us UserSession
	var created, seen, expires int64
	err := s.reader().queryRow(ctx, `SELECT id_hash, org_id, user_id, stage, failures, created_at, last_seen_at, expires_at
		FROM user_sessions WHERE id_hash = ?`, idHash).Scan(&us.IDHash, &us.OrgID, &us.UserID, &us.Stage, &us.Failures,
		&created, &seen, &expires)
	if err != nil {
		return UserSession{}, fmt.Errorf("user session: %w", mapError(err))
	}
	us.CreatedAt, us.LastSeenAt, us.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return us, nil
}

// TouchUserSession records activity on a session.
func (s *Store) TouchUserSession(ctx context.Context, idHash string, at time.Time) error {
	_, err := s.writer().exec(ctx, `UPDATE user_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?`,
		micros(at), idHash, micros(at))
	return err
}

// CountSessionFailure counts one wrong second-factor code in a session and
// returns the count; the session is deleted when it reaches max.
func (s *Store) CountSessionFailure(ctx context.Context, idHash string, max int) (int, error) {
	var n int
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `UPDATE user_sessions SET failures = failures + 1 WHERE id_hash = ? RETURNING failures`,
			idHash).Scan(&n); err != nil {
			return mapError(err)
		}
		if n >= max {
			_, err := tx.exec(ctx, `DELETE FROM user_sessions WHERE id_hash = ?`, idHash)
			return err
		}
		return nil
	})
	return n, err
}

// DeleteUserSession ends a session; an unknown one is not an error.
func (s *Store) DeleteUserSession(ctx context.Context, idHash string) error {
	_, err := s.writer().exec(ctx, `DELETE FROM user_sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteUserSessions ends every session of a user but keep ("" for all).
func (s *Store) DeleteUserSessions(ctx context.Context, orgID, userID int64, keep string) error {
	return deleteUserSessions(ctx, s.writer(), orgID, userID, keep)
}

// DeleteUserSessions is Store.DeleteUserSessions inside a transaction.
func (t *Tx) DeleteUserSessions(ctx context.Context, orgID, userID int64, keep string) error {
	return deleteUserSessions(ctx, t.conn, orgID, userID, keep)
}

func deleteUserSessions(ctx context.Context, c conn, orgID, userID int64, keep string) error {
	_, err := c.exec(ctx, `DELETE FROM user_sessions WHERE org_id = ? AND user_id = ? AND id_hash <> ?`, orgID, userID, keep)
	return err
}

// CountUserSessions counts a user's sessions, for the account page.
func (s *Store) CountUserSessions(ctx context.Context, orgID, userID int64, now time.Time) (int, error) {
	var n int
	err := s.reader().queryRow(ctx, `SELECT COUNT(*) FROM user_sessions WHERE org_id = ? AND user_id = ? AND stage = 'full' AND expires_at > ?`,
		orgID, userID, micros(now)).Scan(&n)
	return n, mapError(err)
}
