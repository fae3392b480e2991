package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river/rivertype"

	"sluis/db"
)

// Recorder is SendOnce for many jobs at once: the records of mails that
// different jobs sent at about the same time are written in one
// transaction (a group commit, as the intake does for messages), so that
// the database's one commit and fsync per record does not bound how many
// mails a second go out. Each caller still returns only once its own
// record is committed, and the guarantee is SendOnce's.
//
// There is no goroutine to start or stop: the first caller to find no
// commit running commits what has gathered, batch after batch, until
// nothing is left; the others wait for it.
type Recorder struct {
	store *db.Store

	mu      sync.Mutex
	pending []*recordReq
	running bool
}

type recordReq struct {
	j      db.SentJob
	then   func(ctx context.Context, tx *db.Tx, sentAt time.Time) error
	notice *db.Notified // a notification's recipient, marked with the group's statements
	at     time.Time
	err    error
	done   chan struct{}
}

// maxRecords bounds one group commit of records.
const maxRecords = 256

// NewRecorder returns a Recorder on store.
func NewRecorder(store *db.Store) *Recorder { return &Recorder{store: store} }

// SendPartOnce is the package's SendPartOnce, with the record written in a
// group commit. When the group's transaction fails (then failed for one
// of them, or the database did), each record is written again on its own,
// with SendOnce's retries.
func (r *Recorder) SendPartOnce(ctx context.Context, orgID int64, job *rivertype.JobRow, part int64, send func(context.Context) error,
	then func(ctx context.Context, tx *db.Tx, sentAt time.Time) error) (sentAt time.Time, before bool, err error) {
	return r.sendPart(ctx, &recordReq{j: sentJob(orgID, job, part), then: then}, send)
}

// SendNotificationOnce is SendPartOnce for a notification: in the commit
// that records the mail, the recipient n names is marked notified, with
// the relay's reply that send leaves in n.Reply. The records and marks of
// a whole group are written with a few statements, however many there are.
func (r *Recorder) SendNotificationOnce(ctx context.Context, orgID int64, job *rivertype.JobRow, part int64, send func(context.Context) error,
	n *db.Notified) (sentAt time.Time, before bool, err error) {
	return r.sendPart(ctx, &recordReq{j: sentJob(orgID, job, part), notice: n}, send)
}

func sentJob(orgID int64, job *rivertype.JobRow, part int64) db.SentJob {
	return db.SentJob{OrgID: orgID, JobID: job.ID, Created: job.CreatedAt, Kind: job.Kind, Part: part}
}

func (r *Recorder) sendPart(ctx context.Context, req *recordReq, send func(context.Context) error) (time.Time, bool, error) {
	at, found, err := sentBefore(ctx, r.store, req.j)
	if found || err != nil {
		return at, found, err
	}
	if err := send(ctx); err != nil {
		return time.Time{}, false, err
	}
	req.done = make(chan struct{})
	r.add(req)
	<-req.done
	if req.err == nil {
		return req.at, false, nil
	}
	then := req.then
	if n := req.notice; n != nil {
		then = func(ctx context.Context, tx *db.Tx, at time.Time) error {
			return tx.MarkAllNotified(ctx, at, []db.Notified{*n})
		}
	}
	at, err = record(context.WithoutCancel(ctx), r.store, req.j, then)
	return at, false, err
}

// add queues req and, when no commit is running, commits until the queue
// is empty.
func (r *Recorder) add(req *recordReq) {
	r.mu.Lock()
	r.pending = append(r.pending, req)
	if r.running {
		r.mu.Unlock()
		return
	}
	r.running = true
	for {
		batch := r.pending[:min(len(r.pending), maxRecords)]
		r.pending = r.pending[len(batch):]
		r.mu.Unlock()
		r.commit(batch)
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.pending = nil
			r.running = false
			r.mu.Unlock()
			return
		}
	}
}

// commit writes a batch's records, its notifications' marks and then's
// changes in one transaction, and tells each request the outcome.
func (r *Recorder) commit(batch []*recordReq) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	err := r.store.InTx(ctx, func(tx *db.Tx) error {
		js := make([]db.SentJob, len(batch))
		for i, req := range batch {
			js[i] = req.j
		}
		at, err := tx.RecordMailsSent(ctx, js)
		if err != nil {
			return err
		}
		var marks []db.Notified
		for _, req := range batch {
			req.at = at
			switch {
			case req.notice != nil:
				marks = append(marks, *req.notice)
			case req.then != nil:
				if err := req.then(ctx, tx, at); err != nil {
					return err
				}
			}
		}
		return tx.MarkAllNotified(ctx, at, marks)
	})
	for _, req := range batch {
		req.err = err
		close(req.done)
	}
}
