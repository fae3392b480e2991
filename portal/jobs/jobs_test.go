package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/jobs"
)

// deadline bounds every wait: generous, for a loaded CI machine.
const deadline = 30 * time.Second

var errRollback = errors.New("rolled back on purpose")

// noteArgs is a test job; ID tells runs apart.
type noteArgs struct {
	ID int `json:"id"`
}

func (noteArgs) Kind() string { return "test_note" }

// recorder counts the runs of each note and reports each finished run.
type recorder struct {
	mu   sync.Mutex
	runs map[int]int
	ran  chan int
}

func newRecorder() *recorder {
	return &recorder{runs: map[int]int{}, ran: make(chan int, 1024)}
}

func (r *recorder) record(id int) {
	r.mu.Lock()
	r.runs[id]++
	r.mu.Unlock()
	r.ran <- id
}

func (r *recorder) count(id int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[id]
}

// waitFor waits until every id has run at least once.
func (r *recorder) waitFor(t *testing.T, ids ...int) {
	t.Helper()
	want := map[int]bool{}
	for _, id := range ids {
		want[id] = true
	}
	timeout := time.After(deadline)
	for len(want) > 0 {
		select {
		case id := <-r.ran:
			delete(want, id)
		case <-timeout:
			t.Fatalf("jobs %v did not run within %s", keys(want), deadline)
		}
	}
}

func keys(m map[int]bool) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// fastRetry retries a failed job after 10 ms instead of attempt⁴ seconds.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// workers registers fn as the worker of noteArgs.
func workers(fn func(context.Context, *river.Job[noteArgs]) error) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(fn))
	return w
}

// recording is a worker that records each run and succeeds.
func recording(r *recorder) *river.Workers {
	return workers(func(_ context.Context, job *river.Job[noteArgs]) error {
		r.record(job.Args.ID)
		return nil
	})
}

// start builds and starts a client, stopped (again) when the test ends.
func start(t *testing.T, s *db.Store, opt jobs.Options) *jobs.Client {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = testLogger(t)
	}
	c, err := jobs.New(s, opt)
	if err != nil {
		t.Fatalf("jobs.New: %v", err)
	}
	t.Cleanup(func() { stop(t, c) }) // a second Stop does nothing
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return c
}

func stop(t *testing.T, c *jobs.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// q writes ? placeholders in the store's dialect.
func q(s *db.Store, query string) string {
	if s.Dialect() != db.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// insertOrg adds an organisation row inside tx, the data a job is about.
func insertOrg(ctx context.Context, s *db.Store, tx *db.Tx, name string) (int64, error) {
	var id int64
	err := tx.SQL().QueryRowContext(ctx,
		q(s, `INSERT INTO organizations (name, country, language, created_at) VALUES (?, 'NL', 'nl', ?) RETURNING id`),
		name, time.Now().UnixMicro()).Scan(&id)
	return id, err
}

func countRows(t *testing.T, s *db.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), q(s, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// jobRow reads a note's job as River left it.
func jobRow(t *testing.T, s *db.Store, id int) (state string, attempt, errs int) {
	t.Helper()
	// Both databases keep args as JSON; compare it as JSON, not as text.
	query := `SELECT state, attempt, COALESCE(json_array_length(errors), 0) FROM river_job WHERE kind = 'test_note' AND json(args) = json(?)`
	if s.Dialect() == db.Postgres {
		query = `SELECT state, attempt, COALESCE(cardinality(errors), 0) FROM river_job WHERE kind = 'test_note' AND args = $1::jsonb`
	}
	err := s.DB().QueryRowContext(context.Background(), query, fmt.Sprintf(`{"id":%d}`, id)).Scan(&state, &attempt, &errs)
	if err != nil {
		t.Fatalf("reading job %d: %v", id, err)
	}
	return state, attempt, errs
}

func TestCommittedJobsRunOnce(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		r := newRecorder()
		seen := make(chan string, 8)
		w := workers(func(ctx context.Context, job *river.Job[noteArgs]) error {
			// The data committed with the job is there when it runs.
			var name string
			err := s.DB().QueryRowContext(ctx, q(s, `SELECT name FROM organizations WHERE name = ?`), "org-"+strconv.Itoa(job.Args.ID)).Scan(&name)
			if err != nil {
				return err
			}
			seen <- name
			r.record(job.Args.ID)
			return nil
		})
		c := start(t, s, jobs.Options{Workers: w})
		err := s.InTx(ctx, func(tx *db.Tx) error {
			if _, err := insertOrg(ctx, s, tx, "org-1"); err != nil {
				return err
			}
			return c.InsertTx(ctx, tx, noteArgs{ID: 1}, nil)
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		err = s.InTx(ctx, func(tx *db.Tx) error {
			var params []river.InsertManyParams
			for id := 2; id <= 4; id++ {
				if _, err := insertOrg(ctx, s, tx, "org-"+strconv.Itoa(id)); err != nil {
					return err
				}
				params = append(params, river.InsertManyParams{Args: noteArgs{ID: id}})
			}
			return c.InsertManyTx(ctx, tx, params)
		})
		if err != nil {
			t.Fatalf("InTx with InsertManyTx: %v", err)
		}
		r.waitFor(t, 1, 2, 3, 4)
		stop(t, c)
		for id := 1; id <= 4; id++ {
			if n := r.count(id); n != 1 {
				t.Errorf("job %d ran %d times, want once", id, n)
			}
			if state, attempt, _ := jobRow(t, s, id); state != "completed" || attempt != 1 {
				t.Errorf("job %d: state %s after %d attempts, want completed after 1", id, state, attempt)
			}
		}
		if len(seen) != 4 {
			t.Errorf("workers saw their data %d times, want 4", len(seen))
		}
	})
}

func TestRolledBackJobNeverRuns(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		r := newRecorder()
		c := start(t, s, jobs.Options{Workers: recording(r)})
		err := s.InTx(ctx, func(tx *db.Tx) error {
			if _, err := insertOrg(ctx, s, tx, "ghost"); err != nil {
				return err
			}
			if err := c.InsertTx(ctx, tx, noteArgs{ID: 1}, nil); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("InTx = %v, want the function's error", err)
		}
		// A job committed after it runs; the rolled-back one, had it
		// survived, would have been fetched first.
		err = s.InTx(ctx, func(tx *db.Tx) error { return c.InsertTx(ctx, tx, noteArgs{ID: 2}, nil) })
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		r.waitFor(t, 2)
		stop(t, c)
		if n := r.count(1); n != 0 {
			t.Errorf("the rolled-back job ran %d times", n)
		}
		if n := countRows(t, s, `SELECT count(*) FROM river_job WHERE kind = 'test_note'`); n != 1 {
			t.Errorf("river_job holds %d jobs, want only the committed one", n)
		}
		if n := countRows(t, s, `SELECT count(*) FROM organizations WHERE name = ?`, "ghost"); n != 0 {
			t.Errorf("the rolled-back organisation is stored (%d rows)", n)
		}
	})
}

func TestFailedJobIsRetried(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		r := newRecorder()
		w := workers(func(_ context.Context, job *river.Job[noteArgs]) error {
			if job.Attempt < 3 {
				return fmt.Errorf("relay answered 451 (attempt %d)", job.Attempt)
			}
			r.record(job.Args.ID)
			return nil
		})
		c := start(t, s, jobs.Options{Workers: w, RetryPolicy: fastRetry{}})
		if err := s.InTx(ctx, func(tx *db.Tx) error { return c.InsertTx(ctx, tx, noteArgs{ID: 7}, nil) }); err != nil {
			t.Fatal(err)
		}
		r.waitFor(t, 7)
		stop(t, c)
		state, attempt, errs := jobRow(t, s, 7)
		if state != "completed" || attempt != 3 || errs != 2 {
			t.Errorf("job: state %s, attempt %d, %d errors; want completed at attempt 3 after 2 errors", state, attempt, errs)
		}
	})
}

func TestStopWaitsForRunningJob(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		started, release := make(chan struct{}), make(chan struct{})
		var mu sync.Mutex
		finished, cancelled := false, false
		w := workers(func(ctx context.Context, _ *river.Job[noteArgs]) error {
			close(started)
			select {
			case <-release:
			case <-ctx.Done():
			}
			mu.Lock()
			finished, cancelled = true, ctx.Err() != nil
			mu.Unlock()
			return nil
		})
		c := start(t, s, jobs.Options{Workers: w})
		if err := s.InTx(ctx, func(tx *db.Tx) error { return c.InsertTx(ctx, tx, noteArgs{ID: 1}, nil) }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-time.After(deadline):
			t.Fatal("the job did not start")
		}
		// The job goes on for a while after Stop begins: a Stop that did not
		// wait would return before it finished.
		go func() {
			time.Sleep(100 * time.Millisecond)
			close(release)
		}()
		sctx, cancel := context.WithTimeout(ctx, deadline)
		defer cancel()
		if err := c.Stop(sctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if !finished || cancelled {
			t.Errorf("after Stop: job finished %v, cancelled %v; want finished, not cancelled", finished, cancelled)
		}
		if state, _, _ := jobRow(t, s, 1); state != "completed" {
			t.Errorf("job state %s after a graceful stop, want completed", state)
		}
	})
}

func TestStopCancelsJobsWhenItsContextEnds(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		started, cancelled := make(chan struct{}), make(chan struct{})
		w := workers(func(ctx context.Context, _ *river.Job[noteArgs]) error {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return ctx.Err()
		})
		c := start(t, s, jobs.Options{Workers: w})
		if err := s.InTx(ctx, func(tx *db.Tx) error { return c.InsertTx(ctx, tx, noteArgs{ID: 1}, nil) }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-time.After(deadline):
			t.Fatal("the job did not start")
		}
		sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := c.Stop(sctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop with a job that never ends = %v, want its context's deadline", err)
		}
		select {
		case <-cancelled:
		default:
			t.Error("Stop returned before the running job's context was cancelled")
		}
	})
}

func TestConcurrentWriters(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const writers, each = 8, 10
		r := newRecorder()
		c := start(t, s, jobs.Options{Workers: recording(r)})
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for g := range writers {
			wg.Go(func() {
				for i := range each {
					id := g*100 + i
					errs <- s.InTx(ctx, func(tx *db.Tx) error {
						if _, err := insertOrg(ctx, s, tx, "org-"+strconv.Itoa(id)); err != nil {
							return err
						}
						return c.InsertTx(ctx, tx, noteArgs{ID: id}, nil)
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a writer failed: %v", err)
			}
		}
		var ids []int
		for g := range writers {
			for i := range each {
				ids = append(ids, g*100+i)
			}
		}
		r.waitFor(t, ids...)
		stop(t, c)
		for _, id := range ids {
			if n := r.count(id); n != 1 {
				t.Errorf("job %d ran %d times", id, n)
			}
		}
		if n := countRows(t, s, `SELECT count(*) FROM organizations`); n != writers*each {
			t.Errorf("%d organisations stored, want %d", n, writers*each)
		}
	})
}

func TestInsertOnlyClient(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := jobs.New(s, jobs.Options{Insertonly: true, Queues: map[string]river.QueueConfig{"default": {MaxWorkers: 1}}}); err == nil {
			t.Error("an insert-only client accepted queues to work")
		}
		if _, err := jobs.New(s, jobs.Options{}); err == nil {
			t.Error("a working client without workers was accepted")
		}
		ins, err := jobs.New(s, jobs.Options{Insertonly: true, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := ins.Start(ctx); err == nil {
			t.Error("an insert-only client started")
		}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return ins.InsertTx(ctx, tx, noteArgs{ID: 3}, nil) }); err != nil {
			t.Fatalf("InsertTx from an insert-only client: %v", err)
		}
		stop(t, ins)
		r := newRecorder()
		start(t, s, jobs.Options{Workers: recording(r)})
		r.waitFor(t, 3)
	})
}

func TestCheckSchemaWantsRiverMigrations(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("migrated store: %v", err)
		}
		riverDown(t, s)
		if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "sluis migrate") {
			t.Errorf("CheckSchema without River's last migration = %v, want a hint to migrate", err)
		}
		if n, err := s.Migrate(ctx); err != nil || n != 1 {
			t.Errorf("Migrate applied %d (%v), want River's one", n, err)
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Errorf("after Migrate: %v", err)
		}
	})
}

// riverDown undoes River's last migration.
func riverDown(t *testing.T, s *db.Store) {
	t.Helper()
	ctx := context.Background()
	var err error
	if s.Dialect() == db.SQLite {
		err = migrateDown(ctx, riversqlite.New(s.DB()))
	} else {
		pool, perr := s.OpenPgxPool(ctx)
		if perr != nil {
			t.Fatal(perr)
		}
		defer pool.Close()
		err = migrateDown(ctx, riverpgxv5.New(pool))
	}
	if err != nil {
		t.Fatalf("migrating River down: %v", err)
	}
}

func migrateDown[TTx any](ctx context.Context, d riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionDown, nil)
	return err
}
