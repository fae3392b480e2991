package db

import (
	"context"
	"embed"
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
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
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
