package db

import (
	"context"
	"database/sql"
)

// Hot reads, those every request of the recipient portal makes, run as
// statements prepared once on the reader pool: the SQLite driver keeps no
// statement cache, and parsing a join costs more than running it.
// database/sql prepares a statement again on each pool connection that
// first runs it, and closes them with the pool.

// hotConn reads with prepared statements.
type hotConn struct{ s *Store }

// hot is the reader pool, with prepared statements.
func (s *Store) hot() hotConn { return hotConn{s} }

func (h hotConn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := h.stmt(ctx, query)
	if err != nil {
		return h.s.reader().queryRow(ctx, query, args...) // reports the error as the row's
	}
	return st.QueryRowContext(ctx, args...)
}

// stmt returns query prepared on the reader pool, preparing it the first time.
func (h hotConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := h.s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := h.s.r.PrepareContext(ctx, rebind(h.s.dialect, query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := h.s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() // another request prepared it first
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (h hotConn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := h.stmt(ctx, query)
	if err != nil {
		return h.s.reader().query(ctx, query, args...)
	}
	rows, err := st.QueryContext(ctx, args...)
	return rows, mapError(err)
}
