package jobs

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// outerTx presents the PostgreSQL transaction of a db.Tx to River as a pgx.Tx.
//
// River's PostgreSQL driver takes a pgx.Tx; the Store runs database/sql over
// pgx's stdlib driver, so one of its transactions is a *sql.Tx on a pgx
// connection that has sent BEGIN. db.Tx.WithPgxConn hands us that *pgx.Conn
// (through (*sql.Conn).Raw, holding the connection's lock). On PostgreSQL a
// transaction belongs to the session, not to a client-side object: every
// statement sent on this connection until COMMIT or ROLLBACK is part of it,
// so River's INSERT (and its NOTIFY, which PostgreSQL delivers only on
// commit) commits or rolls back with the caller's rows. InsertTx and
// InsertManyTx use only Exec, Query and QueryRow (riverpgxv5's
// JobInsertFastMany and NotifyMany, checked in v0.49.0), plus Conn to read
// the query mode; those delegate to the connection.
//
// Only the Store ends the transaction, so Commit and Rollback refuse (a
// COMMIT here would end the caller's transaction behind database/sql's back),
// and Begin refuses too rather than risk a second BEGIN; River calls none of
// them on a caller's transaction when inserting.
type outerTx struct {
	conn *pgx.Conn
}

var errOuterTx = errors.New("jobs: the transaction belongs to db.InTx; River may not begin, commit or roll it back")

var _ pgx.Tx = outerTx{}

func (t outerTx) Begin(context.Context) (pgx.Tx, error) { return nil, errOuterTx }
func (t outerTx) Commit(context.Context) error          { return errOuterTx }
func (t outerTx) Rollback(context.Context) error        { return errOuterTx }

func (t outerTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, columns, src)
}

func (t outerTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

// LargeObjects is unsupported: pgx.LargeObjects can only be made by pgx.
func (t outerTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t outerTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t outerTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}

func (t outerTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

func (t outerTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}

func (t outerTx) Conn() *pgx.Conn { return t.conn }
