package jobs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// OneAtATime are insert options under which at most one job of a kind is
// waiting, scheduled, running or due for a retry, across every instance
// that shares the database: inserting another meanwhile is skipped, without
// an error. Once the job completes (or is cancelled or discarded) the next
// one may be inserted.
//
// River takes a job that runs longer than Options.RescueAfter for one
// whose process died and runs it again, so a one-at-a-time job must end
// each run well before then (River cancels it at JobTimeout, which is
// shorter): long work is done in slices, each run snoozing the job to
// continue where it stopped.
func OneAtATime() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// Periodic is a job enqueued every interval, and once when the client
// starts, one at a time (OneAtATime). Only the instance that River has
// elected leader enqueues periodic jobs; the uniqueness also covers a
// change of leader and a run that outlasts the interval.
func Periodic(interval time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, OneAtATime() },
		&river.PeriodicJobOpts{RunOnStart: true})
}
