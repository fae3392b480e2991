package db

import (
	"context"
	"fmt"
	"time"
)

// StatusRevoked: the sender withdrew the message from this recipient.
const StatusRevoked = "revoked"

// RevokeRecipients revokes one recipient of a released message
// (recipientID), or all of them (recipientID 0): their status becomes
// revoked, their sessions end at once, and when no recipient is left the
// message's state becomes revoked too. It returns how many recipients it
// revoked now.
func (s *Store) RevokeRecipients(ctx context.Context, orgID, messageID, recipientID int64, at time.Time) (int, error) {
	var n int64
	err := s.InTx(ctx, func(tx *Tx) error {
		sel := `org_id = ? AND message_id = ? AND revoked_at IS NULL AND (? = 0 OR id = ?)`
		args := []any{orgID, messageID, recipientID, recipientID}
		if _, err := tx.exec(ctx, `DELETE FROM recipient_sessions WHERE recipient_id IN (SELECT id FROM recipients WHERE `+sel+`)`, args...); err != nil {
			return fmt.Errorf("ending recipient sessions: %w", err)
		}
		res, err := tx.exec(ctx, `UPDATE recipients SET status = 'revoked', status_at = ?, revoked_at = ?, revoke_at = NULL WHERE `+sel,
			append([]any{micros(at), micros(at)}, args...)...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE messages SET state = 'revoked' WHERE org_id = ? AND id = ? AND state = 'released'
			AND NOT EXISTS (SELECT 1 FROM recipients WHERE message_id = ? AND revoked_at IS NULL)`, orgID, messageID, messageID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoking message %d: %w", messageID, err)
	}
	return int(n), nil
}

// ScheduleRevoke records that one recipient (or all, recipientID 0) is to
// be revoked at a time, for the status page; the job does the revoking.
func (t *Tx) ScheduleRevoke(ctx context.Context, orgID, messageID, recipientID int64, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE recipients SET revoke_at = ? WHERE org_id = ? AND message_id = ? AND revoked_at IS NULL AND (? = 0 OR id = ?)`,
		micros(at), orgID, messageID, recipientID, recipientID)
	return err
}

// RecipientStatus is a recipient's status for the sender: the recipient
// and when each step happened (zero when it did not).
type RecipientStatus struct {
	Recipient
	VerifiedAt, OpenedAt, RepliedAt, RevokedAt, RevokeAt time.Time
}

// RecipientStatuses lists a message's recipients with their progress.
func (s *Store) RecipientStatuses(ctx context.Context, orgID, messageID int64) ([]RecipientStatus, error) {
	rows, err := s.reader().query(ctx, `SELECT `+recipientColumns+`, verified_at, opened_at, replied_at, revoked_at, revoke_at
		FROM recipients WHERE org_id = ? AND message_id = ? ORDER BY position`, orgID, messageID)
	if err != nil {
		return nil, fmt.Errorf("listing recipients: %w", err)
	}
	defer rows.Close()
	var out []RecipientStatus
	for rows.Next() {
		var rs RecipientStatus
		var times [5]*int64
		if err := scanRecipientStatus(rows, &rs, &times); err != nil {
			return nil, err
		}
		for i, dst := range []*time.Time{&rs.VerifiedAt, &rs.OpenedAt, &rs.RepliedAt, &rs.RevokedAt, &rs.RevokeAt} {
			if times[i] != nil {
				*dst = fromMicros(*times[i])
			}
		}
		out = append(out, rs)
	}
	return out, rows.Err()
}

func scanRecipientStatus(rows interface{ Scan(...any) error }, rs *RecipientStatus, t *[5]*int64) error {
	x := &rs.Recipient
	var internal, statusAt int64
	var notified *int64
	err := rows.Scan(&x.ID, &x.MessageID, &x.OrgID, &x.Position, &x.Address, &x.Field, &internal, &x.Method, &x.Phone,
		&x.AccessCodeHash, &x.AccessCodeHint, &x.DataSource, &x.Display, &x.Problem, &x.Status, &statusAt,
		&x.LinkNonce, &x.TokenHash, &notified, &x.Bounce, &t[0], &t[1], &t[2], &t[3], &t[4])
	x.Internal, x.StatusAt = internal != 0, fromMicros(statusAt)
	if notified != nil {
		x.NotifiedAt = fromMicros(*notified)
	}
	return mapError(err)
}
