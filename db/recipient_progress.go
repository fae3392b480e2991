package db

import (
	"context"
	"fmt"
	"time"
)

// Recipient statuses after notification, in the order a recipient moves
// through them; a status never moves back.
const (
	StatusVerified = "verified"
	StatusOpened   = "opened"
	StatusReplied  = "replied"
)

// Progress is when a recipient verified, first opened and last replied;
// zero times for what has not happened.
type Progress struct {
	VerifiedAt, OpenedAt, RepliedAt time.Time
}

// RecipientProgress returns a recipient's progress.
func (s *Store) RecipientProgress(ctx context.Context, orgID, recipientID int64) (Progress, error) {
	var v, o, r *int64
	err := s.hot().queryRow(ctx, `SELECT verified_at, opened_at, replied_at FROM recipients WHERE org_id = ? AND id = ?`,
		orgID, recipientID).Scan(&v, &o, &r)
	if err != nil {
		return Progress{}, fmt.Errorf("progress of recipient %d: %w", recipientID, mapError(err))
	}
	var p Progress
	for _, x := range []struct {
		src *int64
		dst *time.Time
	}{{v, &p.VerifiedAt}, {o, &p.OpenedAt}, {r, &p.RepliedAt}} {
		if x.src != nil {
			*x.dst = fromMicros(*x.src)
		}
	}
	return p, nil
}

// MarkVerified records a successful verification (the first one sets
// verified_at; the status moves to verified unless it is further along).
func (s *Store) MarkVerified(ctx context.Context, orgID, recipientID int64, at time.Time) error {
	return s.expectOne(s.writer().exec(ctx, `UPDATE recipients SET verified_at = COALESCE(verified_at, ?),
		status = CASE WHEN status IN ('pending', 'notified', 'bounced') THEN 'verified' ELSE status END,
		status_at = CASE WHEN status IN ('pending', 'notified', 'bounced') THEN ? ELSE status_at END
		WHERE org_id = ? AND id = ?`, micros(at), micros(at), orgID, recipientID))
}

// MarkOpened records the first view of the message; first says whether
// this was it.
func (s *Store) MarkOpened(ctx context.Context, orgID, recipientID int64, at time.Time) (first bool, err error) {
	res, err := s.writer().exec(ctx, `UPDATE recipients SET opened_at = ?,
		status = CASE WHEN status IN ('pending', 'notified', 'bounced', 'verified') THEN 'opened' ELSE status END,
		status_at = CASE WHEN status IN ('pending', 'notified', 'bounced', 'verified') THEN ? ELSE status_at END
		WHERE org_id = ? AND id = ? AND opened_at IS NULL`, micros(at), micros(at), orgID, recipientID)
	if err != nil {
		return false, fmt.Errorf("marking recipient %d opened: %w", recipientID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkReplied records a reply in the transaction that stores it.
func (t *Tx) MarkReplied(ctx context.Context, orgID, recipientID int64, at time.Time) error {
	return t.s.expectOne(t.exec(ctx, `UPDATE recipients SET replied_at = ?, status = 'replied', status_at = ?
		WHERE org_id = ? AND id = ?`, micros(at), micros(at), orgID, recipientID))
}
