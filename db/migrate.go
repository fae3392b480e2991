package db

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

func (s *Store) migrationProvider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	return goose.NewProvider(dialect, s.w, sub)
}

// SchemaVersions reports the version the database is at and the newest
// version this binary knows.
func (s *Store) SchemaVersions(ctx context.Context) (current, known int64, err error) {
	p, err := s.migrationProvider()
	if err != nil {
		return 0, 0, fmt.Errorf("loading migrations: %w", err)
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("reading schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		known = srcs[len(srcs)-1].Version
	}
	return current, known, nil
}

// Migrate brings the schema up to date, each migration in its own
// transaction: Sluis's own, then the job queue's (River's). It refuses a
// database that a newer binary migrated, and reports how many migrations it
// applied in all.
//
// On PostgreSQL it holds an advisory lock throughout, so that instances
// started at once migrate one at a time: a second run waits for the first,
// then finds nothing to do. On SQLite one process owns the file, and the
// database's own write lock is all there is.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	return s.migrate(ctx)
}

func (s *Store) migrate(ctx context.Context) (applied int, err error) {
	current, known, err := s.SchemaVersions(ctx)
	if err != nil {
		return 0, err
	}
	if current > known {
		return 0, fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrSchemaTooNew, current, known)
	}
	p, err := s.migrationProvider()
	if err != nil {
		return 0, fmt.Errorf("loading migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrating: %w", err)
	}
	n, err := s.migrateRiver(ctx)
	return len(res) + n, err
}

// migrateLockClass is the first key of the migration lock, the second
// being a hash of the schema, so that deployments in other schemas of one
// database do not wait for each other. The number means nothing; it only
// has to differ from any other advisory lock taken in the database.
const migrateLockClass = 0x51_0015

// lockMigrations takes the PostgreSQL advisory lock that Migrate holds,
// waiting as long as another session holds it (or until ctx ends), on a
// connection of its own; release gives it back. The lock belongs to the
// session, so a process that dies gives it back with its connection.
func (s *Store) lockMigrations(ctx context.Context) (release func() error, err error) {
	if s.dialect != Postgres {
		return func() error { return nil }, nil
	}
	c, err := s.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting for the migration lock: %w", err)
	}
	// A connection whose lock state is in doubt (a cancelled wait, a failed
	// unlock) is closed rather than pooled: closing ends the session, and
	// with it any lock it holds. (Raw closes a connection whose function
	// reports it bad; its error says only that.)
	discard := func() { _ = c.Raw(func(any) error { return driver.ErrBadConn }) }
	const key = `$1, hashtext(coalesce(current_schema(), ''))`
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrateLockClass); err != nil {
		discard()
		return nil, fmt.Errorf("waiting for the migration lock: %w", err)
	}
	return func() error {
		var released bool
		err := c.QueryRowContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, migrateLockClass).Scan(&released)
		if err != nil || !released {
			discard()
			return errors.Join(errors.New("releasing the migration lock"), err)
		}
		return c.Close()
	}, nil
}

// CheckSchema fails unless the database is exactly at this binary's version
// and has every job queue migration: serve refuses to run on an old schema
// (run migrate) or a newer one.
func (s *Store) CheckSchema(ctx context.Context) error {
	current, known, err := s.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	switch {
	case current > known:
		return fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrSchemaTooNew, current, known)
	case current < known:
		return fmt.Errorf("database schema is at version %d, this binary needs %d: run 'sluis migrate'", current, known)
	}
	return s.checkRiverSchema(ctx)
}
