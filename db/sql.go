package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs statements written with ? placeholders in the Store's dialect.
type conn struct {
	dialect Dialect
	q       querier
	stmts   *stmtCache // SQLite's prepared statements (stmts.go); nil on PostgreSQL
	tx      *sql.Tx    // set when q is a transaction
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, mapError(err)
	}
	res, err := c.q.ExecContext(ctx, rebind(c.dialect, query), args...)
	return res, mapError(err)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, mapError(err)
	}
	rows, err := c.q.QueryContext(ctx, rebind(c.dialect, query), args...)
	return rows, mapError(err)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, rebind(c.dialect, query), args...)
}

// insert runs an INSERT … RETURNING id and returns the id.
func (c conn) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := c.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, mapError(err)
}

// rebind turns ? placeholders into $1, $2 … for PostgreSQL. Queries in this
// package never contain a literal question mark.
func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

func (s *Store) reader() conn { return conn{dialect: s.dialect, q: s.r, stmts: s.rstmts} }
func (s *Store) writer() conn { return conn{dialect: s.dialect, q: s.w, stmts: s.wstmts} }

// Tx is a write transaction. Other packages use SQL() to add their own
// statements to it (the job queue enqueues in the same transaction).
type Tx struct {
	conn
	tx *sql.Tx
	c  *sql.Conn // the connection tx runs on, for WithPgxConn
	s  *Store
}

// SQL returns the underlying transaction.
func (t *Tx) SQL() *sql.Tx { return t.tx }

// InTx runs fn in one write transaction: committed when fn returns nil,
// rolled back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) (err error) {
	s.wstmts.prepareNoted(ctx)
	// The transaction runs on a dedicated connection so that WithPgxConn can
	// reach the driver connection that carries it.
	c, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", mapError(err))
	}
	defer func() {
		// ErrConnDone: a cancelled ctx already rolled back and discarded it.
		if cErr := c.Close(); cErr != nil && !errors.Is(cErr, sql.ErrConnDone) {
			err = errors.Join(err, fmt.Errorf("releasing connection: %w", cErr))
		}
	}()
	sqlTx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", mapError(err))
	}
	t := &Tx{conn: conn{dialect: s.dialect, q: sqlTx, stmts: s.wstmts, tx: sqlTx}, tx: sqlTx, c: c, s: s}
	if err := fn(t); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rolling back: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", mapError(err))
	}
	return nil
}

// mapError turns driver errors that callers act on into sentinels.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrDuplicate, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %v", ErrInUse, err)
		}
		if primary := se.Code() & 0xff; primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED {
			return fmt.Errorf("%w: %v", ErrBusy, err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %v", ErrDuplicate, err)
		case "23503":
			return fmt.Errorf("%w: %v", ErrInUse, err)
		case "40001", "40P01", "53300", "57P03":
			return fmt.Errorf("%w: %v", ErrBusy, err)
		}
	}
	return err
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// collect scans every row of a query with scan, closing the rows. It
// takes the query's own results so that a call reads as one line:
// collect(c.query(ctx, q, args...))(scanContact).
func collect[T any](rows *sql.Rows, err error) func(scan func(scanner) (T, error)) ([]T, error) {
	return func(scan func(scanner) (T, error)) ([]T, error) {
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []T
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	}
}
