package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"sluis/portal/jobs"
	"sluis/portal/vault"
)

// SweepBlobsArgs is the periodic job that removes orphaned blobs: blobs
// written for a submission whose transaction never committed (a crash
// between the blob's commit and the database's), and the remains of
// unfinished writes (temp files, multipart uploads). Anything younger than
// the grace period may still be on its way into a transaction and is left
// alone. One sweep runs at a time across all instances.
type SweepBlobsArgs struct{}

// Kind names the job.
func (SweepBlobsArgs) Kind() string { return "sweep_blobs" }

const (
	// sweepGrace is how old an unreferenced blob must be before it is
	// removed: far longer than any submission takes.
	sweepGrace = time.Hour
	// sweepSlice is how long one run of the job sweeps before it snoozes
	// and lets the next run carry on: well within the job timeout, since a
	// run that outlasted River's rescue time would be started a second time.
	sweepSlice = 20 * time.Second
)

// SweepBlobsJob runs the sweeper every interval (and once at start).
func SweepBlobsJob(interval time.Duration) *river.PeriodicJob {
	return jobs.Periodic(interval, SweepBlobsArgs{})
}

type sweepBlobsWorker struct {
	river.WorkerDefaults[SweepBlobsArgs]
	s *Service
}

// sweepCursor is where a sweep that ran out of time carries on: kept in
// the job's output, which River keeps across a snooze or a retry.
type sweepCursor struct {
	After string `json:"after"`
}

// Work sweeps for one slice of time, from where the last run stopped. If
// blobs are left to check, it records how far it got and snoozes, so the
// same job (still the only one) continues a second later.
func (w *sweepBlobsWorker) Work(ctx context.Context, job *river.Job[SweepBlobsArgs]) error {
	var from sweepCursor
	if out := job.Output(); len(out) > 0 {
		if err := json.Unmarshal(out, &from); err != nil {
			w.s.opt.Logger.Warn("blob sweep: unreadable cursor, starting over", "err", err)
			from = sweepCursor{}
		}
	}
	slice := sweepSlice
	if d, ok := ctx.Deadline(); ok {
		slice = min(slice, time.Until(d)/2)
	}
	p, err := w.s.sweepBlobs(ctx, from.After, time.Now().Add(slice))
	if p.removed > 0 {
		w.s.opt.Logger.Info("removed orphaned blobs", "count", p.removed)
	}
	if !p.done && p.resume != from.After {
		if rerr := river.RecordOutput(ctx, sweepCursor{After: p.resume}); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	if err != nil || p.done {
		return err
	}
	return river.JobSnooze(time.Second)
}

// SweepBlobs removes blobs older than the grace period that no message
// or attachment references, and returns how many it removed.
func (s *Service) SweepBlobs(ctx context.Context) (int, error) {
	p, err := s.sweepBlobs(ctx, "", time.Time{})
	return p.removed, err
}

// sweepProgress is how far one run of the sweeper got.
type sweepProgress struct {
	removed int
	resume  string // the last blob id checked: the next run starts after it
	done    bool   // every blob was checked
}

// errSliceOver stops the listing when a run's time is up.
var errSliceOver = errors.New("sweep slice over")

// sweepBlobs checks the blobs after after, in id order, until stopAt (the
// zero time: no limit). A fresh sweep (after is "") first purges the
// secure channel's expired content and removes the remains of unfinished
// writes.
func (s *Service) sweepBlobs(ctx context.Context, after string, stopAt time.Time) (sweepProgress, error) {
	p := sweepProgress{resume: after}
	if after == "" {
		// A fresh sweep first purges the secure channel's expired
		// messages, so that their blobs, referenced no more, go in it.
		if err := s.sweepChannel(ctx); err != nil {
			return p, err
		}
	}
	if s.opt.Blobs == nil {
		p.done = true
		return p, nil
	}
	cutoff := s.opt.Now().Add(-sweepGrace)
	if ts, ok := s.opt.Blobs.(vault.TempSweeper); ok && after == "" {
		n, err := ts.SweepTemp(ctx, cutoff)
		if n > 0 {
			s.opt.Logger.Info("removed unfinished blob writes", "count", n)
		}
		if err != nil {
			return p, err
		}
	}
	err := s.opt.Blobs.List(ctx, after, cutoff, func(id string) error {
		if !stopAt.IsZero() && time.Now().After(stopAt) {
			return errSliceOver
		}
		used, err := s.opt.Store.BlobReferenced(ctx, id)
		if err != nil {
			return err
		}
		if !used {
			if err := s.opt.Blobs.Delete(ctx, id); err != nil {
				return err
			}
			p.removed++
		}
		p.resume = id
		return nil
	})
	if errors.Is(err, errSliceOver) {
		return p, nil
	}
	p.done = err == nil
	return p, err
}
