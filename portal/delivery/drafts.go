package delivery

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
)

// remindBefore is how long before a held draft expires its sender is
// reminded (once).
const remindBefore = 48 * time.Hour

// draftBatch bounds the drafts one sweep handles; the next sweep takes the rest.
const draftBatch = 200

// SweepDraftsArgs is the periodic job that reminds senders of drafts about
// to expire and purges expired ones.
type SweepDraftsArgs struct{}

// Kind names the job.
func (SweepDraftsArgs) Kind() string { return "sweep_drafts" }

// SweepDraftsJob runs the draft sweep every interval (and once at start).
func SweepDraftsJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepDraftsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// RemindDraftArgs is the job that mails a sender the reminder about one draft.
type RemindDraftArgs struct {
	OrgID     int64 `json:"org_id"`
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (RemindDraftArgs) Kind() string { return "remind_draft" }

type sweepDraftsWorker struct {
	river.WorkerDefaults[SweepDraftsArgs]
	s *Service
}

// Work runs one sweep.
func (w *sweepDraftsWorker) Work(ctx context.Context, _ *river.Job[SweepDraftsArgs]) error {
	_, _, err := w.s.SweepDrafts(ctx)
	return err
}

// SweepDrafts enqueues one reminder per draft that expires within
// remindBefore, and expires and purges drafts whose time has come. It
// returns how many of each it did.
func (s *Service) SweepDrafts(ctx context.Context) (reminded, expired int, err error) {
	now := s.opt.Now().UTC()
	due, err := s.opt.Store.DraftsDue(ctx, now.Add(remindBefore), true, draftBatch)
	if err != nil {
		return 0, 0, err
	}
	for _, d := range due {
		if !now.Before(d.ExpiresAt) {
			continue // too late to remind
		}
		ok, err := s.remind(ctx, d, now)
		if err != nil {
			return reminded, 0, err
		}
		if ok {
			reminded++
		}
	}
	expired, err = s.expireDrafts(ctx, now)
	return reminded, expired, err
}

func (s *Service) remind(ctx context.Context, d db.Message, now time.Time) (bool, error) {
	var ok bool
	err := s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if ok, err = tx.MarkReminded(ctx, d.OrgID, d.ID, now); err != nil || !ok {
			return err
		}
		return s.opt.Jobs.InsertTx(ctx, tx, RemindDraftArgs{OrgID: d.OrgID, MessageID: d.ID}, &river.InsertOpts{MaxAttempts: 10})
	})
	return ok, err
}

func (s *Service) expireDrafts(ctx context.Context, now time.Time) (int, error) {
	due, err := s.opt.Store.DraftsDue(ctx, now, false, draftBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		blobs, err := s.opt.Store.ExpireDraft(ctx, d.OrgID, d.ID)
		if err != nil {
			return n, err
		}
		s.deleteBlobs(blobs) // what fails here, the orphan sweeper removes
		n++
	}
	if n > 0 {
		s.opt.Logger.Info("expired held drafts", "count", n)
	}
	return n, nil
}

type remindDraftWorker struct {
	river.WorkerDefaults[RemindDraftArgs]
	s *Service
}

// Work mails the reminder: the "not sent" mail again, with a subject that
// says the draft is about to expire.
func (w *remindDraftWorker) Work(ctx context.Context, job *river.Job[RemindDraftArgs]) error {
	s := w.s
	msg, err := s.opt.Store.Message(ctx, job.Args.OrgID, job.Args.MessageID)
	if err != nil {
		return river.JobCancel(err)
	}
	if msg.State != db.StateHeld {
		return nil // finished, superseded or expired meanwhile
	}
	m, err := s.heldMail(ctx, msg)
	if err != nil {
		return err
	}
	m.Subject = s.opt.Text.T(m.Lang, "mail.reminder.subject", map[string]any{"Subject": m.Subject,
		"Expires": formatDate(msg.ExpiresAt, m.Lang)})
	m.Headers["X-Sluis-Kind"] = "draft-reminder"
	return s.sendOnce(ctx, job.JobRow, msg.OrgID, m)
}

// addSenderWorkers registers the workers of the senders' side: scheduled
// revocations, draft reminders and the draft sweep.
func (s *Service) addSenderWorkers(w *river.Workers) error {
	if err := river.AddWorkerSafely(w, &revokeWorker{s: s}); err != nil {
		return err
	}
	if err := river.AddWorkerSafely(w, &remindDraftWorker{s: s}); err != nil {
		return err
	}
	return river.AddWorkerSafely(w, &sweepDraftsWorker{s: s})
}
