package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"sluis/db"
	"sluis/portal/jobs"
	"sluis/portal/mailer"
)

// NotifyRecipientArgs is the job that mails one recipient their link.
type NotifyRecipientArgs struct {
	OrgID       int64 `json:"org_id"`
	RecipientID int64 `json:"recipient_id"`
}

// Kind names the job.
func (NotifyRecipientArgs) Kind() string { return "notify_recipient" }

// NotifyMessageArgs is the job that mails every recipient of a released
// message their link: one job per message rather than one per recipient,
// since River's insert, fetch and completion of each job cost more than
// the mail itself. Each recipient's mail is recorded as sent on its own
// (jobs.SendPartOnce), so a retry mails only those not yet notified.
type NotifyMessageArgs struct {
	OrgID     int64 `json:"org_id"`
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (NotifyMessageArgs) Kind() string { return "notify_message" }

// NotifyHeldArgs is the job that tells a sender their mail was not sent.
type NotifyHeldArgs struct {
	OrgID     int64 `json:"org_id"`
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (NotifyHeldArgs) Kind() string { return "notify_held" }

// AddWorkers registers the Service's job workers.
func (s *Service) AddWorkers(w *river.Workers) error {
	if err := river.AddWorkerSafely(w, &notifyRecipientWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &notifyMessageWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &notifyHeldWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &notifySenderWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &notifyNumberWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &notifyChannelWorker{s: s}); err != nil {
		return err
	}
	if err := s.addSenderWorkers(w); err != nil {
		return err
	}
	return river.AddWorkerSafely(w, &sweepBlobsWorker{s: s})
}

type notifyRecipientWorker struct {
	river.WorkerDefaults[NotifyRecipientArgs]
	s *Service
}

// Work sends the notification. A temporary relay failure returns the
// error, so River retries with back-off; a permanent refusal of this
// recipient is recorded as a bounce and ends the job.
func (w *notifyRecipientWorker) Work(ctx context.Context, job *river.Job[NotifyRecipientArgs]) error {
	s := w.s
	rc, err := s.opt.Store.Recipient(ctx, job.Args.OrgID, job.Args.RecipientID)
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if rc.Status != db.StatusPending {
		return nil // notified already: a retry after the relay took it
	}
	msg, err := s.opt.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		return err
	}
	if msg.State != db.StateReleased {
		return nil // revoked or expired before the job ran
	}
	m, err := s.recipientMail(ctx, msg, rc)
	if err != nil {
		return err
	}
	return s.send(ctx, job.JobRow, 0, m, rc)
}

type notifyMessageWorker struct {
	river.WorkerDefaults[NotifyMessageArgs]
	s *Service
}

// Work mails each recipient still pending, one after the other (the relay
// client keeps its connection for the next). A recipient whose mail fails
// does not stop the others; the job then returns the failures, and River's
// retry mails only whoever is still pending.
func (w *notifyMessageWorker) Work(ctx context.Context, job *river.Job[NotifyMessageArgs]) error {
	s := w.s
	msg, err := s.opt.Store.Message(ctx, job.Args.OrgID, job.Args.MessageID)
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if msg.State != db.StateReleased {
		return nil // revoked or expired before the job ran
	}
	rcpts, err := s.opt.Store.Recipients(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return err
	}
	org, sender, err := s.people(ctx, msg)
	if err != nil {
		return err
	}
	var errs []error
	cancelled := 0
	for _, rc := range rcpts {
		if rc.Status != db.StatusPending {
			continue // notified already, bounced, or revoked
		}
		m, err := s.recipientMailFrom(ctx, org, sender, msg, rc)
		if err == nil {
			err = s.send(ctx, job.JobRow, rc.ID, m, rc)
		}
		var cancel *river.JobCancelError
		if errors.As(err, &cancel) {
			cancelled++
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("recipient %d: %w", rc.ID, err))
		}
		if relayUnreachable(err) {
			break // the others would fail alike: all of them on the retry
		}
	}
	if len(errs) > 0 && cancelled == len(errs) {
		return river.JobCancel(errors.Join(errs...)) // nothing a retry would change
	}
	return errors.Join(errs...)
}

// relayUnreachable: err says the relay could not be reached or would not
// let us in, rather than anything about one mail.
func relayUnreachable(err error) bool {
	var te *mailer.TemporaryError
	if !errors.As(err, &te) {
		return false
	}
	switch te.Stage {
	case mailer.StageConnect, mailer.StageTLS, mailer.StageAuth:
		return true
	}
	return false
}

// send delivers m to rc, once for the job (and part, see
// jobs.SendPartOnce) however often it runs, and
// records the outcome: the recipient is marked notified in the same commit
// as the record that the relay took the mail, or, when an earlier run sent
// it, again now (it may have died before).
func (s *Service) send(ctx context.Context, job *rivertype.JobRow, part int64, m *mailer.Message, rc db.Recipient) error {
	var res mailer.Result
	n := &db.Notified{OrgID: rc.OrgID, RecipientID: rc.ID}
	sentAt, before, err := s.records.SendNotificationOnce(ctx, rc.OrgID, job, part, func(ctx context.Context) (err error) {
		res, err = s.opt.Mailer.Send(ctx, m)
		n.Reply = res.Reply // for the proof of delivery
		return err
	}, n)
	now := s.opt.Now().UTC()
	var perm *mailer.PermanentError
	switch {
	case err == nil && before:
		return s.opt.Store.MarkNotified(ctx, rc.OrgID, rc.ID, sentAt)
	case err == nil && len(res.Rejected) == 0:
		return nil
	case errors.Is(err, jobs.ErrNotRecorded):
		s.opt.Logger.Error("a notification was sent but not recorded; a retry sends it again", "recipient_id", rc.ID, "err", err)
		return err
	case err == nil || errors.As(err, &perm):
		reason := "refused by the relay"
		if len(res.Rejected) > 0 {
			reason = fmt.Sprintf("%d %s", res.Rejected[0].Code, res.Rejected[0].Text)
		} else if perm != nil {
			reason = perm.Error()
		}
		s.opt.Logger.Warn("notification bounced", "recipient_id", rc.ID, "reason", reason)
		return s.opt.Store.MarkBounced(ctx, rc.OrgID, rc.ID, now, reason)
	case errors.Is(err, mailer.ErrInvalidMessage):
		return river.JobCancel(err)
	}
	return fmt.Errorf("sending notification: %w", err)
}

// refusedForGood: the relay refused the mail permanently, or it cannot be
// sent at all; a retry would change nothing, so the job ends.
func refusedForGood(err error) bool {
	var perm *mailer.PermanentError
	return errors.As(err, &perm) || errors.Is(err, mailer.ErrInvalidMessage)
}

type notifyHeldWorker struct {
	river.WorkerDefaults[NotifyHeldArgs]
	s *Service
}

// Work mails the sender the list of what is missing and the link to
// finish sending.
func (w *notifyHeldWorker) Work(ctx context.Context, job *river.Job[NotifyHeldArgs]) error {
	s := w.s
	return s.mailJob(ctx, job.JobRow, job.Args.OrgID, func(ctx context.Context) (*mailer.Message, error) {
		msg, err := s.opt.Store.Message(ctx, job.Args.OrgID, job.Args.MessageID)
		if err != nil || msg.State != db.StateHeld {
			return nil, err // sent or superseded meanwhile: nothing to tell
		}
		return s.heldMail(ctx, msg)
	}, "the sender's not-sent mail", "message_id", job.Args.MessageID)
}

// mailJob is the work of a job that sends one mail: build it, hand it to
// the relay once (sendOnce), and end the job for good when what the mail
// is about is gone (build's db.ErrNotFound) or the relay refuses the mail
// for good, logged as what with logArgs; any other failure is retried. A
// nil mail from build means there is nothing to send any more.
func (s *Service) mailJob(ctx context.Context, job *rivertype.JobRow, orgID int64, build func(context.Context) (*mailer.Message, error),
	what string, logArgs ...any) error {
	m, err := build(ctx)
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil || m == nil {
		return err
	}
	err = s.sendOnce(ctx, job, orgID, m)
	if refusedForGood(err) {
		s.opt.Logger.Error(what+" was refused", append(logArgs, "err", err)...)
		return river.JobCancel(err)
	}
	return err
}

// sendOnce hands m to the relay unless an earlier run of the job did
// (jobs.SendOnce), for the jobs whose mail changes no state of its own.
func (s *Service) sendOnce(ctx context.Context, job *rivertype.JobRow, orgID int64, m *mailer.Message) error {
	_, _, err := jobs.SendOnce(ctx, s.opt.Store, orgID, job, func(ctx context.Context) error {
		_, err := s.opt.Mailer.Send(ctx, m)
		return err
	}, nil)
	if errors.Is(err, jobs.ErrNotRecorded) {
		s.opt.Logger.Error("a mail was sent but not recorded; a retry sends it again", "job", job.Kind, "err", err)
	}
	return err
}
