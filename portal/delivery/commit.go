package delivery

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"sluis/db"
)

// Group commit. SQLite has one writer and every commit is an fsync (the
// store runs synchronous=FULL so that an acknowledged message survives a
// power cut). One transaction per message would make the fsync the
// intake's ceiling; instead concurrent submissions queue here, and one
// goroutine commits whatever has gathered in one transaction. Each
// submitter still waits for its own commit before the intake answers 250.
// If a batch fails, its messages are retried one transaction each, so one
// bad message never fails the others.

// maxBatch bounds one group commit.
const maxBatch = 64

type commitReq struct {
	ctx  context.Context
	nm   *db.NewMessage
	done chan error
	also func(ctx context.Context, tx *db.Tx) error // nil, or more to change with the message
}

// committer gathers submissions and commits them in batches.
type committer struct {
	s    *Service
	reqs chan commitReq
}

func newCommitter(s *Service) *committer {
	c := &committer{s: s, reqs: make(chan commitReq, maxBatch*4)}
	go c.loop()
	return c
}

// close stops the loop once the queued submissions are committed.
func (c *committer) close() { close(c.reqs) }

// commit queues nm and waits until it is committed or has failed.
func (c *committer) commit(ctx context.Context, nm *db.NewMessage) error {
	return c.commitWith(ctx, nm, nil)
}

// commitWith is commit with also run in the same transaction after nm is
// inserted (nm's ids are set), so that a change that belongs to the
// message (an answered channel message and its audit event) commits with
// it or not at all. An error of also fails this message alone.
func (c *committer) commitWith(ctx context.Context, nm *db.NewMessage, also func(context.Context, *db.Tx) error) error {
	req := commitReq{ctx: ctx, nm: nm, also: also, done: make(chan error, 1)}
	select {
	case c.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the message may
	// be committed, and the caller must not delete its blobs then.
	return <-req.done
}

func (c *committer) loop() {
	for first := range c.reqs {
		batch := []commitReq{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		c.run(batch)
	}
}

func (c *committer) run(batch []commitReq) {
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := c.s.opt.Store.InTx(context.Background(), func(tx *db.Tx) error {
		var jobs []river.InsertManyParams
		for _, r := range live {
			if err := tx.InsertMessage(r.ctx, r.nm); err != nil {
				return err
			}
			if r.also != nil {
				if err := r.also(r.ctx, tx); err != nil {
					return err
				}
			}
			jobs = append(jobs, jobsFor(r.nm)...)
		}
		return c.s.enqueue(context.Background(), tx, jobs)
	})
	if err == nil || len(live) == 1 {
		for _, r := range live {
			r.done <- err
		}
		return
	}
	for _, r := range live { // one failed: find out which, one at a time
		resetIDs(r.nm)
		r.done <- c.s.opt.Store.InTx(r.ctx, func(tx *db.Tx) error { return c.s.insert(r.ctx, tx, r.nm, r.also) })
	}
}

// resetIDs forgets the ids a rolled-back insert assigned.
func resetIDs(nm *db.NewMessage) {
	nm.Message.ID = 0
	for i := range nm.Attachments {
		nm.Attachments[i].ID = 0
	}
	for i := range nm.Recipients {
		nm.Recipients[i].ID = 0
	}
}

// insert adds one message, what also changes with it, and its jobs to tx.
func (s *Service) insert(ctx context.Context, tx *db.Tx, nm *db.NewMessage, also func(context.Context, *db.Tx) error) error {
	if err := tx.InsertMessage(ctx, nm); err != nil {
		return err
	}
	if also != nil {
		if err := also(ctx, tx); err != nil {
			return err
		}
	}
	return s.enqueue(ctx, tx, jobsFor(nm))
}

// jobsFor lists the jobs a stored message needs: the not-sent mail for a
// held draft, otherwise one job that notifies every recipient.
func jobsFor(nm *db.NewMessage) []river.InsertManyParams {
	m := nm.Message
	if m.State == db.StateHeld {
		return []river.InsertManyParams{{Args: NotifyHeldArgs{OrgID: m.OrgID, MessageID: m.ID}}}
	}
	return []river.InsertManyParams{{Args: NotifyMessageArgs{OrgID: m.OrgID, MessageID: m.ID},
		InsertOpts: &river.InsertOpts{MaxAttempts: notifyAttempts}}}
}

// notifyJobs is one notification job per recipient.
func notifyJobs(rcpts []db.Recipient) []river.InsertManyParams {
	out := make([]river.InsertManyParams, 0, len(rcpts))
	for _, rc := range rcpts {
		out = append(out, river.InsertManyParams{Args: NotifyRecipientArgs{OrgID: rc.OrgID, RecipientID: rc.ID},
			InsertOpts: &river.InsertOpts{MaxAttempts: notifyAttempts}})
	}
	return out
}

// manyEnqueuer is a job queue that inserts many jobs in one statement
// (portal/jobs does): a group commit's jobs then cost one round trip.
type manyEnqueuer interface {
	InsertManyTx(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) error
}

// enqueue inserts jobs in tx, all at once when the queue can.
func (s *Service) enqueue(ctx context.Context, tx *db.Tx, jobs []river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}
	if m, ok := s.opt.Jobs.(manyEnqueuer); ok {
		if err := m.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("enqueueing %d jobs: %w", len(jobs), err)
		}
		return nil
	}
	for _, j := range jobs {
		if err := s.opt.Jobs.InsertTx(ctx, tx, j.Args, j.InsertOpts); err != nil {
			return fmt.Errorf("enqueueing %s: %w", j.Args.Kind(), err)
		}
	}
	return nil
}
