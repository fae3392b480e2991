package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/jobs"
)

// soloArgs is a job that must never run twice at once.
type soloArgs struct{}

func (soloArgs) Kind() string { return "test_solo" }

// TestOneAtATimeAllowsOneJobUntilItEnds inserts the job while it waits,
// while it runs and after it completed, as two instances' schedulers
// might: only the last insert adds a second job.
func TestOneAtATimeAllowsOneJobUntilItEnds(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		running, release := make(chan struct{}, 4), make(chan struct{})
		w := river.NewWorkers()
		river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[soloArgs]) error {
			running <- struct{}{}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}))
		c := start(t, s, jobs.Options{Workers: w})
		insert := func() {
			t.Helper()
			if err := s.InTx(ctx, func(tx *db.Tx) error { return c.InsertTx(ctx, tx, soloArgs{}, jobs.OneAtATime()) }); err != nil {
				t.Fatalf("InsertTx: %v", err)
			}
		}
		solo := `SELECT COUNT(*) FROM river_job WHERE kind = 'test_solo'`
		insert()
		insert() // waiting or running already: skipped
		waitRun(t, running)
		insert() // running: skipped
		if n := countRows(t, s, solo); n != 1 {
			t.Fatalf("%d jobs after three inserts while one was pending or running, want 1", n)
		}
		release <- struct{}{}
		waitFor(t, func() bool { return countRows(t, s, solo+` AND state = 'completed'`) == 1 })
		insert() // the first completed: this one is new
		waitRun(t, running)
		release <- struct{}{}
		waitFor(t, func() bool { return countRows(t, s, solo+` AND state = 'completed'`) == 2 })
		if n := countRows(t, s, solo); n != 2 {
			t.Errorf("%d jobs in all, want 2", n)
		}
	})
}

func waitRun(t *testing.T, running <-chan struct{}) {
	t.Helper()
	select {
	case <-running:
	case <-time.After(deadline):
		t.Fatalf("the job did not run within %s", deadline)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(deadline); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("condition not met within %s", deadline)
		}
	}
}
