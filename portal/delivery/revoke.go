package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
)

// ErrNotRevocable: only a released message can be revoked.
var ErrNotRevocable = errors.New("delivery: the message cannot be revoked")

// RevokeArgs is the job that revokes a message for one recipient (or all,
// RecipientID 0) at the time it was scheduled for.
type RevokeArgs struct {
	OrgID       int64 `json:"org_id"`
	MessageID   int64 `json:"message_id"`
	RecipientID int64 `json:"recipient_id"`
}

// Kind names the job.
func (RevokeArgs) Kind() string { return "revoke" }

// Revoke withdraws the sender's message from one recipient (recipientID)
// or all (0), at once when at is zero or past, else at that time by a
// scheduled job. A revoked recipient's link and sessions stop working at
// once: the sessions are deleted and the recipient's status is revoked.
func (s *Service) Revoke(ctx context.Context, sender db.User, uid string, recipientID int64, at time.Time) error {
	msg, err := s.SenderDraft(ctx, sender, uid)
	if err != nil {
		return err
	}
	if msg.State != db.StateReleased {
		return ErrNotRevocable
	}
	if recipientID != 0 {
		if err := s.checkRecipient(ctx, msg, recipientID); err != nil {
			return err
		}
	}
	now := s.opt.Now().UTC()
	if at.IsZero() || !at.After(now) {
		_, err := s.opt.Store.RevokeRecipients(ctx, msg.OrgID, msg.ID, recipientID, now)
		return err
	}
	return s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.ScheduleRevoke(ctx, msg.OrgID, msg.ID, recipientID, at); err != nil {
			return err
		}
		args := RevokeArgs{OrgID: msg.OrgID, MessageID: msg.ID, RecipientID: recipientID}
		return s.opt.Jobs.InsertTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: at, MaxAttempts: 20})
	})
}

func (s *Service) checkRecipient(ctx context.Context, msg db.Message, id int64) error {
	rcpts, err := s.opt.Store.Recipients(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rcpts, func(r db.Recipient) bool { return r.ID == id }) {
		return fmt.Errorf("recipient %d of message %d: %w", id, msg.ID, db.ErrNotFound)
	}
	return nil
}

type revokeWorker struct {
	river.WorkerDefaults[RevokeArgs]
	s *Service
}

// Work revokes what was scheduled, unless it was revoked already.
func (w *revokeWorker) Work(ctx context.Context, job *river.Job[RevokeArgs]) error {
	a := job.Args
	_, err := w.s.opt.Store.RevokeRecipients(ctx, a.OrgID, a.MessageID, a.RecipientID, w.s.opt.Now().UTC())
	return err
}
