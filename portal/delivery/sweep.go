package delivery

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// SweepBlobsArgs is the periodic job that removes orphaned blobs: blobs
// written for a submission whose transaction never committed (a crash
// between the blob's fsync and the commit), and temp files of unfinished
// writes. Anything younger than the grace period may still be on its way
// into a transaction and is left alone.
type SweepBlobsArgs struct{}

// Kind names the job.
func (SweepBlobsArgs) Kind() string { return "sweep_blobs" }

// sweepGrace is how old an unreferenced blob must be before it is removed:
// far longer than any submission takes.
const sweepGrace = time.Hour

// SweepBlobsJob runs the sweeper every interval (and once at start).
func SweepBlobsJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepBlobsArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

type sweepBlobsWorker struct {
	river.WorkerDefaults[SweepBlobsArgs]
	s *Service
}

// Work deletes old unreferenced blobs and stale temp files.
func (w *sweepBlobsWorker) Work(ctx context.Context, _ *river.Job[SweepBlobsArgs]) error {
	n, err := w.s.SweepBlobs(ctx)
	if n > 0 {
		w.s.opt.Logger.Info("removed orphaned blobs", "count", n)
	}
	return err
}

// SweepBlobs removes blobs older than the grace period that no message
// or attachment references, and returns how many it removed.
func (s *Service) SweepBlobs(ctx context.Context) (int, error) {
	if s.opt.Blobs == nil {
		return 0, nil
	}
	cutoff := s.opt.Now().Add(-sweepGrace)
	if _, err := s.opt.Blobs.SweepTemp(ctx, cutoff); err != nil {
		return 0, err
	}
	removed := 0
	err := s.opt.Blobs.List(ctx, cutoff, func(id string) error {
		used, err := s.opt.Store.BlobReferenced(ctx, id)
		if err != nil || used {
			return err
		}
		removed++
		return s.opt.Vault.Delete(ctx, id)
	})
	return removed, err
}
