// Package db is Sluis's store: every SQL statement, the migrations, and the
// row types they read and write. It runs on SQLite (the embedded default,
// modernc.org/sqlite, pure Go) and on PostgreSQL (pgx) behind one Store.
//
// Every method takes a context first and, for tenant data, the organisation
// it acts for: a query never reads or changes another organisation's rows.
// Methods return sentinel errors (ErrNotFound, ErrDuplicate, ErrSchemaTooNew)
// and *InvalidError for bad input; they know nothing of HTTP or SMTP.
//
// SQLite has one writer. The Store keeps a pool of one connection for
// writes (with IMMEDIATE transactions, so a writer never fails half-way on
// an upgrade from read to write lock) and a separate pool for reads; WAL
// mode lets the readers run beside the writer.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect names the SQL dialect a Store speaks.
type Dialect string

// The dialects a Store speaks.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the database: one writer pool and one reader pool (the same pool
// on PostgreSQL).
type Store struct {
	dialect Dialect
	dsn     string // for the job queue's own pgx pool and migrations
	w       *sql.DB
	r       *sql.DB
	now     func() time.Time
	// wstmts and rstmts hold SQLite's prepared statements for the writer
	// and reader pools (stmts.go); nil on PostgreSQL.
	wstmts, rstmts *stmtCache
	mask           func(e164 string) string
	audit          auditBatcher // group commit of audit events (audit_batch.go)
}

// Options tune Open.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ReadConns bounds the SQLite reader pool (default 8).
	ReadConns int
	// MaskPhone writes a number as the address-book history keeps it, in
	// the one style people see everywhere (portal/phone's Mask, which
	// needs metadata the store does not carry); nil means MaskPhone.
	MaskPhone func(e164 string) string
}

// IsPostgresURL reports whether dsn names a PostgreSQL database rather than
// an SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn (an SQLite file path or a postgres:// URL) and checks
// that the database answers. It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	var s *Store
	var err error
	if IsPostgresURL(dsn) {
		s, err = openPostgres(dsn)
	} else {
		s, err = openSQLite(dsn, opt)
	}
	if err != nil {
		return nil, err
	}
	s.now = opt.Now
	s.dsn = dsn
	if s.mask = opt.MaskPhone; s.mask == nil {
		s.mask = MaskPhone
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func openPostgres(dsn string) (*Store, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening PostgreSQL: %w", err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{dialect: Postgres, w: pool, r: pool}, nil
}

// sqliteDSN puts the pragmas in the DSN so every pooled connection gets them.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: a commit is on disk before the caller hears of it, which is what
	// lets SMTP answer 250 only for mail that survives a power cut.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	// The path is escaped: SQLite decodes a file: URI, and a '?' or '#' in
	// a folder name would otherwise end the path early and put the
	// database somewhere else.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func openSQLite(path string, opt Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("no database path given")
	}
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("database folder %s: %w", dir, err)
		}
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("opening SQLite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The first connection creates the file and switches it to WAL before
	// any reader opens it read-only.
	if err := w.Ping(); err != nil {
		_ = w.Close()
		return nil, describeSQLiteOpen(path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("opening SQLite %s: %w", path, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{dialect: SQLite, w: w, r: r, wstmts: newStmtCache(w), rstmts: newStmtCache(r)}, nil
}

// ownerOnly makes the database file readable by its owner only (0600, like
// the master key): it holds sealed subjects, address books and hashes. A
// missing file is created so; an existing one is tightened. SQLite gives
// its -wal and -shm files the database file's mode.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return describeSQLiteOpen(path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return describeSQLiteOpen(path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("making %s readable by its owner only: %w", path, err)
		}
	}
	return nil
}

func describeSQLiteOpen(path string, err error) error {
	return fmt.Errorf("opening SQLite database %s (is its folder writable?): %w", path, err)
}

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("database does not answer: %w", err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return fmt.Errorf("database does not answer: %w", err)
		}
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	err := errors.Join(s.wstmts.close(), s.rstmts.close(), s.w.Close())
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Dialect reports which database the Store speaks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the writer pool, for the job queue that must share the
// database and enqueue inside the Store's transactions.
func (s *Store) DB() *sql.DB { return s.w }

// micros converts a time to the stored form: Unix microseconds, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts the stored form back to a time in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
