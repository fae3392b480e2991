package db_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// migrateLockClass is db's migrateLockClass: the test takes the same lock
// to stand in for another instance that is migrating.
const migrateLockClass = 0x51_0015

type migrateResult struct {
	n   int
	err error
}

// openUnmigrated opens a Store on dsn without migrating it.
func openUnmigrated(t *testing.T, dsn string) *db.Store {
	t.Helper()
	s, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestConcurrentMigrationsApplyOnce starts two migrations of one fresh
// PostgreSQL schema at once, as two instances started together would: both
// succeed, one applies everything, the other finds nothing to do, and each
// migration is recorded once.
func TestConcurrentMigrationsApplyOnce(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	stores := []*db.Store{openUnmigrated(t, dsn), openUnmigrated(t, dsn)}
	start := make(chan struct{})
	results := make(chan migrateResult, len(stores))
	for _, s := range stores {
		go func() {
			<-start
			n, err := s.Migrate(ctx)
			results <- migrateResult{n, err}
		}()
	}
	close(start)
	var got []migrateResult
	for range stores {
		r := <-results
		if r.err != nil {
			t.Errorf("a concurrent migration failed: %v", r.err)
		}
		got = append(got, r)
	}
	total := appliedMigrations(t, stores[0])
	if a, b := got[0].n, got[1].n; a+b != total || min(a, b) != 0 {
		t.Errorf("the two runs applied %d and %d migrations; want %d and 0", a, b, total)
	}
	for _, s := range stores {
		if err := s.CheckSchema(ctx); err != nil {
			t.Errorf("after both runs: %v", err)
		}
	}
}

// appliedMigrations counts the migrations recorded in the schema, Sluis's
// and River's, and fails the test if any is recorded twice.
func appliedMigrations(t *testing.T, s *db.Store) int {
	t.Helper()
	var twice int
	err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version
		WHERE version_id > 0 GROUP BY version_id HAVING count(*) > 1) d`).Scan(&twice)
	if err != nil {
		t.Fatal(err)
	}
	if twice > 0 {
		t.Errorf("%d migrations are recorded more than once", twice)
	}
	var ours, river int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&ours); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM river_migration`).Scan(&river); err != nil {
		t.Fatal(err)
	}
	current, known, err := s.SchemaVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if current != known {
		t.Errorf("the schema is at version %d, this binary's newest is %d", current, known)
	}
	return ours + river
}

// TestMigrationWaitsForTheLock holds the migration lock as another
// instance would while it migrates: Migrate waits for it (PostgreSQL shows
// its request waiting), and runs once the lock is given back.
func TestMigrationWaitsForTheLock(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	s := openUnmigrated(t, dsn)
	holder, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = holder.Close() })
	other, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const key = `$1, hashtext(current_schema())`
	if _, err := other.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrateLockClass); err != nil {
		t.Fatal(err)
	}
	done := make(chan migrateResult, 1)
	go func() {
		n, err := s.Migrate(ctx)
		done <- migrateResult{n, err}
	}()
	waitForLockWaiter(t, other)
	select {
	case r := <-done:
		t.Fatalf("Migrate returned (%d, %v) while another session held the lock", r.n, r.err)
	default:
	}
	if _, err := other.ExecContext(ctx, `SELECT pg_advisory_unlock(`+key+`)`, migrateLockClass); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("Migrate after the lock was given back: %v", r.err)
	}
	if total := appliedMigrations(t, s); r.n != total {
		t.Errorf("Migrate applied %d migrations, want %d", r.n, total)
	}
}

// waitForLockWaiter waits until some session waits for the migration lock.
func waitForLockWaiter(t *testing.T, c *sql.Conn) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		err := c.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
			AND NOT granted AND classid = $1 AND objid = hashtext(current_schema())::oid`, migrateLockClass).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no session waits for the migration lock after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
