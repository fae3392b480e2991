package db

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements. modernc's SQLite driver parses a statement's SQL on
// every call unless it is prepared, and database/sql keeps no cache of its
// own: at intake load that parsing was 15 % of the CPU. A stmtCache holds
// one prepared *sql.Stmt per query text and pool; database/sql prepares it
// on each connection the first time it runs there and reuses it after.
//
// The writer pool has one connection, which a transaction holds: preparing
// on the pool from inside a transaction would wait for that connection for
// ever. So a query first seen inside a transaction runs unprepared and is
// noted; InTx prepares the noted queries on the pool before it takes the
// connection, and from then on Tx.StmtContext reuses the statement that is
// prepared on that one connection.
//
// PostgreSQL needs none of this: pgx caches prepared statements per
// connection itself.

// maxStmts bounds a cache: a query text built at run time (an IN list of
// varying length) must not grow it without end. Beyond the bound queries
// run unprepared, as before.
const maxStmts = 512

type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
	// later lists queries first met inside a transaction, to prepare
	// before the next one.
	later map[string]bool
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, later: map[string]bool{}}
}

// lookup returns the prepared statement for query, or nil when there is
// none yet (or the cache is full).
func (c *stmtCache) lookup(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st := c.m[query]
	c.mu.RUnlock()
	return st
}

// get returns the statement for query, preparing it on the pool when it is
// new; nil when it cannot be prepared (the unprepared call then reports
// why) or the cache is full. Never call it while holding the only writer
// connection: use note then.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil || c == nil {
		return st
	}
	c.mu.RLock()
	full := len(c.m) >= maxStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	// Prepared without the lock held: preparing waits for a free
	// connection, and the holder of one may be looking a statement up.
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if had := c.m[query]; had != nil { // prepared by another caller meanwhile
		_ = st.Close()
		return had
	}
	c.m[query] = st
	delete(c.later, query)
	return st
}

// note marks query to be prepared before the next transaction.
func (c *stmtCache) note(query string) {
	c.mu.Lock()
	if len(c.m)+len(c.later) < maxStmts {
		c.later[query] = true
	}
	c.mu.Unlock()
}

// prepareNoted prepares the queries noted inside transactions. It takes
// the pool's connection for each, so it runs before a transaction does.
func (c *stmtCache) prepareNoted(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.RLock()
	n := len(c.later)
	c.mu.RUnlock()
	if n == 0 {
		return
	}
	c.mu.Lock()
	queries := make([]string, 0, len(c.later))
	for q := range c.later {
		queries = append(queries, q)
	}
	c.later = map[string]bool{}
	c.mu.Unlock()
	for _, q := range queries {
		c.get(ctx, q)
	}
}

// close closes every prepared statement.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, st := range c.m {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.m, q)
	}
	return first
}

// stmt finds the prepared statement for query on this conn: on the pool,
// preparing it when new; in a transaction, the pool's statement bound to
// it, or nil (and noted) when not yet prepared.
func (c conn) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	if c.tx == nil {
		return c.stmts.get(ctx, query)
	}
	st := c.stmts.lookup(query)
	if st == nil {
		c.stmts.note(query)
		return nil
	}
	return c.tx.StmtContext(ctx, st)
}
