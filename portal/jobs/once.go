package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"sluis/db"
)

// ErrNotRecorded: the relay accepted the mail but the record of it could
// not be written, so a retry of the job will send it again.
var ErrNotRecorded = errors.New("jobs: the mail was sent but could not be recorded as sent")

// recordWaits are the pauses before each try at writing the record: a
// database that blinks for a moment must not cost a duplicate mail.
var recordWaits = []time.Duration{0, 100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}

// recordTimeout bounds one try at writing the record. All the tries
// together (about 23 s) and the relay's own time limit (20 s) stay under
// the default RescueAfter (a minute), after which River would take the job
// for dead and run it again beside this run.
const recordTimeout = 5 * time.Second

// SendOnce runs send, the job's hand-over of its one mail to the relay,
// unless an earlier run of the same job recorded that the relay accepted
// it: then send is not called, before is true and sentAt is when that run
// sent it, and the caller repeats only its own (idempotent) bookkeeping.
// Otherwise send's error comes back as it is, and nil means the relay took
// the mail at sentAt and that is recorded (or the error is ErrNotRecorded).
//
// then, if not nil, records what the mail changes (a recipient notified)
// in the same transaction as the record: one commit, and no moment where
// one is written without the other. If then fails, the record is written
// alone and then's error returned, so the job's retry sends nothing and
// finds before set.
//
// Why: River records a job's completion only after the job returns, so a
// process killed between the relay's 250 and that record runs the job
// again, and the mail would go out twice. The record here is written the
// moment send returns, on a context that the job's own deadline or a
// shutdown cannot cancel (the mail is out either way), and read before a
// retry sends. What is left is the instant between the relay's 250 and the
// record's commit, and a reply lost on the wire: SMTP offers no way to ask
// a relay whether it has a message, so a kill there still sends twice.
func SendOnce(ctx context.Context, store *db.Store, orgID int64, job *rivertype.JobRow, send func(context.Context) error,
	then func(ctx context.Context, tx *db.Tx, sentAt time.Time) error) (sentAt time.Time, before bool, err error) {
	return SendPartOnce(ctx, store, orgID, job, 0, send, then)
}

// SendPartOnce is SendOnce for one of several mails a job sends (a
// message's notifications, one per recipient): part names the mail within
// the job, and each part is recorded and checked on its own.
func SendPartOnce(ctx context.Context, store *db.Store, orgID int64, job *rivertype.JobRow, part int64, send func(context.Context) error,
	then func(ctx context.Context, tx *db.Tx, sentAt time.Time) error) (sentAt time.Time, before bool, err error) {
	j := db.SentJob{OrgID: orgID, JobID: job.ID, Created: job.CreatedAt, Kind: job.Kind, Part: part}
	at, found, err := sentBefore(ctx, store, j)
	if found || err != nil {
		return at, found, err
	}
	if err := send(ctx); err != nil {
		return time.Time{}, false, err
	}
	at, err = record(context.WithoutCancel(ctx), store, j, then)
	return at, false, err
}

// sentBefore reports whether an earlier run recorded the mail, and when.
func sentBefore(ctx context.Context, store *db.Store, j db.SentJob) (time.Time, bool, error) {
	at, err := store.MailSentAt(ctx, j)
	switch {
	case err == nil:
		return at, true, nil
	case !errors.Is(err, db.ErrNotFound):
		return time.Time{}, false, fmt.Errorf("reading whether job %d sent its mail: %w", j.JobID, err)
	}
	return time.Time{}, false, nil
}

// record writes the record (and then's changes), trying again when the
// database fails; when then fails, it writes the record alone.
func record(ctx context.Context, store *db.Store, j db.SentJob, then func(context.Context, *db.Tx, time.Time) error) (time.Time, error) {
	var errs []error
	var thenErr error
	for _, wait := range recordWaits {
		time.Sleep(wait)
		rctx, cancel := context.WithTimeout(ctx, recordTimeout)
		var at time.Time
		err := store.InTx(rctx, func(tx *db.Tx) error {
			var err error
			if at, err = tx.RecordMailSent(rctx, j); err != nil || then == nil {
				return err
			}
			if err := then(rctx, tx, at); err != nil {
				thenErr = err
				return err
			}
			return nil
		})
		cancel()
		switch {
		case err == nil && thenErr != nil:
			return at, fmt.Errorf("after sending the mail of job %d: %w", j.JobID, thenErr)
		case err == nil:
			return at, nil
		case thenErr != nil:
			then = nil // the record alone, next
		}
		errs = append(errs, err)
	}
	return time.Time{}, fmt.Errorf("%w (job %d): %w", ErrNotRecorded, j.JobID, errors.Join(errs...))
}

// sentRetention is how long a record that a job sent its mail is kept:
// longer than River goes on retrying a job (25 attempts with attempt⁴
// seconds between them, about three weeks), after which it serves nothing.
const sentRetention = 45 * 24 * time.Hour

// sweepSentEvery is how often the records are swept.
const sweepSentEvery = 6 * time.Hour

// sweepSentArgs is the periodic job that forgets records older than
// sentRetention.
type sweepSentArgs struct{}

// Kind names the job.
func (sweepSentArgs) Kind() string { return "sweep_mail_sent" }

type sweepSentWorker struct {
	river.WorkerDefaults[sweepSentArgs]
	store *db.Store
}

// Work deletes the old records.
func (w *sweepSentWorker) Work(ctx context.Context, _ *river.Job[sweepSentArgs]) error {
	_, err := w.store.SweepMailSent(ctx, time.Now().Add(-sentRetention))
	return err
}

// addHousekeeping registers the queue's own periodic work with a client
// that works jobs: the sweep of sent-mail records.
func addHousekeeping(store *db.Store, cfg *river.Config) error {
	if err := river.AddWorkerSafely(cfg.Workers, &sweepSentWorker{store: store}); err != nil {
		return fmt.Errorf("registering the sent-mail sweep: %w", err)
	}
	sweep := river.NewPeriodicJob(river.PeriodicInterval(sweepSentEvery),
		func() (river.JobArgs, *river.InsertOpts) { return sweepSentArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
	cfg.PeriodicJobs = append(append([]*river.PeriodicJob(nil), cfg.PeriodicJobs...), sweep)
	return nil
}
