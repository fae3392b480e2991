package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// River (the job queue) keeps its tables in the Store's database so that a
// job can be enqueued in the same transaction as the data it is about. Its
// schema is River's own, applied by rivermigrate after goose's migrations.

// OpenPgxPool opens a pgx pool on the Store's PostgreSQL database, for the
// job queue, whose PostgreSQL driver speaks pgx rather than database/sql.
// The caller closes it. It fails on SQLite.
func (s *Store) OpenPgxPool(ctx context.Context) (*pgxpool.Pool, error) {
	if s.dialect != Postgres {
		return nil, errors.New("a pgx pool needs PostgreSQL")
	}
	pool, err := pgxpool.New(ctx, s.dsn)
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL pool: %w", err)
	}
	return pool, nil
}

// WithPgxConn runs fn with the pgx connection that carries this
// transaction on PostgreSQL, so that code written for pgx can join it.
// Everything fn runs on conn is part of the transaction, which the Store
// alone commits or rolls back: fn must not commit, roll back or begin. No
// statement of the transaction may run meanwhile. It fails on SQLite.
func (t *Tx) WithPgxConn(fn func(conn *pgx.Conn) error) error {
	if t.s.dialect != Postgres {
		return errors.New("a pgx connection needs PostgreSQL")
	}
	return t.c.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected PostgreSQL driver connection %T", driverConn)
		}
		return fn(sc.Conn())
	})
}

// withRiverMigrator runs fn with a River migrator for the Store's database:
// on SQLite over the writer pool, on PostgreSQL over a short-lived pgx pool.
func (s *Store) withRiverMigrator(ctx context.Context, fn func(riverMigrator) error) error {
	// River's migrator logs each step at info level; its errors come back to
	// us, and the caller reports what was applied.
	cfg := &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)}
	if s.dialect == SQLite {
		m, err := rivermigrate.New(riversqlite.New(s.w), cfg)
		if err != nil {
			return fmt.Errorf("loading job queue migrations: %w", err)
		}
		return fn(m)
	}
	pool, err := s.OpenPgxPool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), cfg)
	if err != nil {
		return fmt.Errorf("loading job queue migrations: %w", err)
	}
	return fn(m)
}

// riverMigrator is what Store needs of a rivermigrate.Migrator of either
// transaction type.
type riverMigrator interface {
	Migrate(ctx context.Context, direction rivermigrate.Direction, opts *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
	Validate(ctx context.Context, opts *rivermigrate.ValidateOpts) (*rivermigrate.ValidateResult, error)
}

// migrateRiver applies River's pending migrations, each in its own
// transaction, and reports how many it applied.
func (s *Store) migrateRiver(ctx context.Context) (applied int, err error) {
	err = s.withRiverMigrator(ctx, func(m riverMigrator) error {
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("migrating the job queue: %w", err)
		}
		applied = len(res.Versions)
		return nil
	})
	return applied, err
}

// checkRiverSchema fails unless every River migration is applied.
func (s *Store) checkRiverSchema(ctx context.Context) error {
	return s.withRiverMigrator(ctx, func(m riverMigrator) error {
		res, err := m.Validate(ctx, nil)
		if err != nil {
			return fmt.Errorf("reading the job queue's schema version: %w", err)
		}
		if !res.OK {
			return fmt.Errorf("job queue schema is not up to date (%v): run 'sluis migrate'", res.Messages)
		}
		return nil
	})
}
