package db

import (
	"context"
	"fmt"
	"time"
)

// RecipientSession is a recipient's session: it opens one recipient's copy
// of one message, nothing else. IDHash is the SHA-256 of the cookie token.
type RecipientSession struct {
	IDHash      string
	OrgID       int64
	RecipientID int64
	MessageID   int64
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute end, whatever the activity
}

// CreateRecipientSession stores a new session and deletes every session
// that ended before staleBefore (by idle time) or expired before now.
func (s *Store) CreateRecipientSession(ctx context.Context, rs RecipientSession, staleBefore time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM recipient_sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
			micros(rs.CreatedAt), micros(staleBefore)); err != nil {
			return fmt.Errorf("removing ended sessions: %w", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO recipient_sessions (id_hash, org_id, recipient_id, message_id, created_at, last_seen_at, expires_at)
			SELECT ?, org_id, id, message_id, ?, ?, ? FROM recipients WHERE org_id = ? AND id = ? AND message_id = ?`,
			rs.IDHash, micros(rs.CreatedAt), micros(rs.LastSeenAt), micros(rs.ExpiresAt), rs.OrgID, rs.RecipientID, rs.MessageID)
		if err != nil {
			return fmt.Errorf("creating a recipient session: %w", err)
		}
		return nil
	})
}

// RecipientSessionByHash returns the session whose token hashes to idHash.
func (s *Store) RecipientSessionByHash(ctx context.Context, idHash string) (RecipientSession, error) {
	var rs RecipientSession
	var created, seen, expires int64
	err := s.hot().queryRow(ctx, `SELECT id_hash, org_id, recipient_id, message_id, created_at, last_seen_at, expires_at
		FROM recipient_sessions WHERE id_hash = ?`, idHash).Scan(&rs.IDHash, &rs.OrgID, &rs.RecipientID, &rs.MessageID, &created, &seen, &expires)
	if err != nil {
		return RecipientSession{}, fmt.Errorf("recipient session: %w", mapError(err))
	}
	rs.CreatedAt, rs.LastSeenAt, rs.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return rs, nil
}

// TouchRecipientSession records activity on a session.
func (s *Store) TouchRecipientSession(ctx context.Context, idHash string, at time.Time) error {
	_, err := s.writer().exec(ctx, `UPDATE recipient_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?`,
		micros(at), idHash, micros(at))
	return err
}

// DeleteRecipientSession ends a session; an unknown one is not an error.
func (s *Store) DeleteRecipientSession(ctx context.Context, idHash string) error {
	_, err := s.writer().exec(ctx, `DELETE FROM recipient_sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteRecipientSessions ends every session of a recipient (an admin
// revoking access, a lock).
func (s *Store) DeleteRecipientSessions(ctx context.Context, orgID, recipientID int64) error {
	_, err := s.writer().exec(ctx, `DELETE FROM recipient_sessions WHERE org_id = ? AND recipient_id = ?`, orgID, recipientID)
	return err
}
