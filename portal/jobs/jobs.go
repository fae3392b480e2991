// Package jobs owns Sluis's background work: a River job queue that keeps its
// jobs in the Store's own database (riversqlite on SQLite, riverpgxv5 on
// PostgreSQL), so that every instance sharing a PostgreSQL database shares
// the queue, and a job is enqueued in the same transaction as the data it is
// about.
//
// The guarantee: InsertTx and InsertManyTx write the job inside the caller's
// db.Tx. A committed transaction always leaves its jobs behind to run; a
// rolled-back one leaves none, so nothing runs for data that was never
// stored. A job whose worker fails (a relay that is down or answers 4xx) is
// retried with back-off. Running a job at least once is River's promise:
// workers must tolerate a second run after a crash, and a worker that sends
// mail does so through SendOnce, which remembers the relay's acceptance in
// the database so that the second run does not send it again.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"sluis/db"
)

// hardStopGrace is how long Stop waits for cancelled jobs to return once its
// own context has ended.
const hardStopGrace = 5 * time.Second

// Options configure a Client.
type Options struct {
	// Workers run the jobs; required unless Insertonly.
	Workers *river.Workers
	// Queues to work; default {"default": {MaxWorkers: 50}}.
	Queues map[string]river.QueueConfig
	// Logger for River; default slog.Default().
	Logger *slog.Logger
	// PeriodicJobs are enqueued on schedule by the elected leader (the
	// client adds its own sweep of sent-mail records, see SendOnce).
	PeriodicJobs []*river.PeriodicJob
	// Insertonly makes a client that only enqueues (CLI commands): it cannot
	// be started and opens no connections of its own.
	Insertonly bool
	// RetryPolicy decides when a failed job runs again; default River's
	// exponential back-off (attempt⁴ seconds).
	RetryPolicy river.ClientRetryPolicy
	// JobTimeout bounds one run of a job; default 30 seconds.
	JobTimeout time.Duration
	// RescueAfter is when a job still marked running is taken for one
	// whose process died (kill -9, power cut) and is run again; it must
	// exceed JobTimeout. Default 1 minute.
	RescueAfter time.Duration
}

// Client is the job queue on the Store's database.
type Client struct {
	rc        riverClient
	pool      *pgxpool.Pool // PostgreSQL only, and not when insert-only
	closeOnce sync.Once
}

// riverClient hides the two River clients, river.Client[*sql.Tx] and
// river.Client[pgx.Tx], behind what Client needs of them.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	insertManyTx(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) error
}

// typedClient is a River client along with the way to present one of our
// transactions as its transaction type.
type typedClient[TTx any] struct {
	*river.Client[TTx]
	// withTx runs fn with tx as a TTx.
	withTx func(tx *db.Tx, fn func(TTx) error) error
}

func (c typedClient[TTx]) insertManyTx(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) error {
	return c.withTx(tx, func(ttx TTx) error {
		_, err := c.InsertManyTx(ctx, ttx, params)
		return err
	})
}

// New builds a client on store; store must be migrated (db.Store.Migrate
// applies River's schema too).
func New(store *db.Store, opt Options) (*Client, error) {
	cfg, err := riverConfig(opt)
	if err != nil {
		return nil, err
	}
	if !opt.Insertonly {
		if err := addHousekeeping(store, cfg); err != nil {
			return nil, err
		}
	}
	c := &Client{}
	switch store.Dialect() {
	case db.SQLite:
		c.rc, err = newSQLite(store, cfg)
	case db.Postgres:
		c.rc, c.pool, err = newPostgres(store, cfg, opt.Insertonly)
	default:
		err = fmt.Errorf("unknown dialect %q", store.Dialect())
	}
	if err != nil {
		return nil, fmt.Errorf("building the job queue: %w", err)
	}
	return c, nil
}

func riverConfig(opt Options) (*river.Config, error) {
	cfg := &river.Config{
		Workers:      opt.Workers,
		Logger:       opt.Logger,
		RetryPolicy:  opt.RetryPolicy,
		JobTimeout:   opt.JobTimeout,
		PeriodicJobs: opt.PeriodicJobs,
		// River's default waits an hour before it rescues a job whose
		// worker died; mail to a recipient should not wait that long.
		RescueStuckJobsAfter: opt.RescueAfter,
	}
	if cfg.JobTimeout == 0 {
		cfg.JobTimeout = 30 * time.Second
	}
	if cfg.RescueStuckJobsAfter == 0 {
		cfg.RescueStuckJobsAfter = time.Minute
	}
	if cfg.RescueStuckJobsAfter <= cfg.JobTimeout {
		return nil, errors.New("RescueAfter must exceed JobTimeout, or a slow job would run twice at once")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if opt.Insertonly {
		if len(opt.Queues) > 0 || len(opt.PeriodicJobs) > 0 {
			return nil, errors.New("an insert-only job client works no queues and schedules no periodic jobs")
		}
		return cfg, nil
	}
	if opt.Workers == nil {
		return nil, errors.New("a job client that works jobs needs Workers")
	}
	cfg.Queues = opt.Queues
	if len(cfg.Queues) == 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 50}}
	}
	return cfg, nil
}

// newSQLite builds River on the Store's writer pool itself, whose single
// connection is SQLite's one writer. River is built for that: riversqlite's
// documentation asks for a pool of one, River's own SQLite tests run that
// way, and it never holds a connection while waiting for another (work in a
// transaction runs on that transaction; fetches, completions and leader
// elections are each one short statement or transaction). A second pool on
// the same file would have River's background writes and ours contend for
// SQLite's lock instead, and River's authors report SQLITE_BUSY errors that
// way even with a long busy_timeout. With one pool, database/sql queues every
// writer: nothing fails, each waits its turn, and InsertTx takes no
// connection at all, for it writes through the caller's *sql.Tx.
func newSQLite(store *db.Store, cfg *river.Config) (riverClient, error) {
	rc, err := river.NewClient(riversqlite.New(store.DB()), cfg)
	if err != nil {
		return nil, err
	}
	return typedClient[*sql.Tx]{rc, func(tx *db.Tx, fn func(*sql.Tx) error) error {
		return fn(tx.SQL())
	}}, nil
}

// newPostgres builds River on a pgx pool of its own (River's PostgreSQL
// driver speaks pgx, the Store database/sql); an insert-only client needs no
// pool, for InsertTx runs on the caller's transaction.
func newPostgres(store *db.Store, cfg *river.Config, insertOnly bool) (riverClient, *pgxpool.Pool, error) {
	var pool *pgxpool.Pool
	if !insertOnly {
		var err error
		if pool, err = store.OpenPgxPool(context.Background()); err != nil {
			return nil, nil, err
		}
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, nil, err
	}
	return typedClient[pgx.Tx]{rc, func(tx *db.Tx, fn func(pgx.Tx) error) error {
		return tx.WithPgxConn(func(conn *pgx.Conn) error { return fn(outerTx{conn}) })
	}}, pool, nil
}

// Start works jobs in the background until Stop; ctx ending is a hard stop
// that cancels running jobs.
func (c *Client) Start(ctx context.Context) error {
	return c.rc.Start(ctx)
}

// Stop stops fetching jobs and waits for running ones to finish until ctx
// ends; then it cancels them, waits briefly, and returns ctx's error. It
// releases the client's connections; call it even if Start failed.
func (c *Client) Stop(ctx context.Context) error {
	err := c.rc.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
		defer cancel()
		if hErr := c.rc.StopAndCancel(hctx); hErr != nil {
			// Jobs still hold connections: closing the pool would wait on them.
			return fmt.Errorf("stopping the job queue: %w", errors.Join(err, hErr))
		}
	}
	c.closeOnce.Do(func() {
		if c.pool != nil {
			c.pool.Close()
		}
	})
	if err != nil {
		return fmt.Errorf("stopping the job queue: %w", err)
	}
	return nil
}

// InsertTx enqueues one job in tx: it runs only if tx commits. An error
// leaves tx unusable for the job: return it, so that tx rolls back.
func (c *Client) InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if err := c.rc.insertManyTx(ctx, tx, []river.InsertManyParams{{Args: args, InsertOpts: opts}}); err != nil {
		return fmt.Errorf("enqueueing a %s job: %w", args.Kind(), err)
	}
	return nil
}

// InsertManyTx enqueues jobs in tx, like InsertTx; none is no error.
func (c *Client) InsertManyTx(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if err := c.rc.insertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueueing %d jobs: %w", len(params), err)
	}
	return nil
}
