// Package seed fills a Sluis database with a large, plausible history, so
// that the benchmarks can measure intake and the verified read on a store
// that has been in use for years rather than on an empty one. It writes
// with plain multi-row INSERTs in large transactions, not through the SMTP
// path: a million messages through the intake would take hours.
//
// What it adds to one organisation (which must exist, with a sender):
//
//   - n address-book entries in the organisation book, each with a mobile
//     number;
//   - n released messages from the sender, spread over the past year, each
//     with one recipient (from the book) whose status is notified, verified
//     or opened. Their subjects are random bytes and they have no bodies:
//     nothing reads them; they are there to make the tables and indexes big.
//
// The messages expire a year from now, so that the sweeper has nothing to
// do with them during a benchmark.
package seed

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"sluis/db"
)

// Options says what to seed.
type Options struct {
	// Domain names the organisation; Sender the user whose messages these are.
	Domain, Sender string
	// Contacts and Messages are how many of each to add.
	Contacts, Messages int
	// Progress, when set, gets a line per committed batch.
	Progress io.Writer
}

// batchRows is how many rows one transaction writes; rowsPerInsert how
// many one INSERT carries.
const (
	batchRows     = 50_000
	rowsPerInsert = 250
)

// Run seeds store as opt says.
func Run(ctx context.Context, store *db.Store, opt Options) error {
	org, err := store.OrgByDomain(ctx, opt.Domain)
	if err != nil {
		return fmt.Errorf("organisation %s: %w", opt.Domain, err)
	}
	sender, err := store.UserByAddress(ctx, opt.Sender)
	if err != nil {
		return fmt.Errorf("sender %s: %w", opt.Sender, err)
	}
	w := &writer{store: store, pg: store.Dialect() == db.Postgres, rnd: rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano()))),
		now: time.Now().UTC(), progress: opt.Progress}
	start := time.Now()
	if err := w.contacts(ctx, org.ID, opt.Contacts); err != nil {
		return err
	}
	if err := w.messages(ctx, org.ID, sender, opt.Messages, opt.Contacts); err != nil {
		return err
	}
	w.say("seeded %d contacts and %d messages in %s", opt.Contacts, opt.Messages, time.Since(start).Round(time.Second))
	if w.pg { // the ids were given explicitly: move the sequence past them
		_, err = store.DB().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT MAX(id) FROM messages))`)
		if err != nil {
			return err
		}
	}
	// Fresh statistics, as a long-running database has them.
	_, err = store.DB().ExecContext(ctx, `ANALYZE`)
	return err
}

type writer struct {
	store    *db.Store
	pg       bool
	rnd      *rand.Rand
	now      time.Time
	progress io.Writer
}

func (w *writer) say(format string, args ...any) {
	if w.progress != nil {
		fmt.Fprintf(w.progress, format+"\n", args...)
	}
}

// contactEmail is the address of the i-th seeded contact.
func contactEmail(i int) string { return fmt.Sprintf("c%d@seed%d.example", i, i%1000) }

func (w *writer) contacts(ctx context.Context, orgID int64, n int) error {
	us := w.now.UnixMicro()
	return w.insert(ctx, "contacts", []string{"org_id", "kind", "email", "full_name", "phone", "source", "created_at", "updated_at"}, n,
		func(i int) []any {
			return []any{orgID, "address", contactEmail(i), "Seeded " + strconv.Itoa(i), phoneOf(i), "import", us, us}
		})
}

func phoneOf(i int) string { return fmt.Sprintf("+316%08d", i%100_000_000) }

func (w *writer) messages(ctx context.Context, orgID int64, sender db.User, n, contacts int) error {
	var first int64
	row := w.store.DB().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM messages`)
	if err := row.Scan(&first); err != nil {
		return err
	}
	year := int64(365 * 24 * time.Hour / time.Microsecond)
	expires := w.now.Add(365 * 24 * time.Hour).UnixMicro()
	created := func(i int) int64 { return w.now.UnixMicro() - year + int64(i)*year/int64(max(n, 1)) }
	err := w.insert(ctx, "messages", []string{"id", "uid", "org_id", "sender_id", "unit_id", "state", "subject", "header_message_id",
		"size", "created_at", "released_at", "expires_at"}, n, func(i int) []any {
		at := created(i)
		return []any{first + 1 + int64(i), w.hex(16), orgID, sender.ID, sender.UnitID, "released", w.bytes(48),
			fmt.Sprintf("<seed-%d@%s>", i, "seed.example"), 51_200, at, at, expires}
	})
	if err != nil {
		return err
	}
	statuses := []string{"notified", "verified", "opened"}
	return w.insert(ctx, "recipients", []string{"message_id", "org_id", "position", "address", "field", "method", "phone",
		"data_source", "display", "status", "status_at", "link_nonce", "token_hash", "notified_at"}, n, func(i int) []any {
		c := i % max(contacts, 1)
		at := created(i)
		return []any{first + 1 + int64(i), orgID, 0, contactEmail(c), "to", "sms", phoneOf(c), "org_address", "+31 6 ••• ••" + phoneOf(c)[10:],
			statuses[i%len(statuses)], at + 60_000_000, w.hex(16), w.hex(32), at + 1_000_000}
	})
}

func (w *writer) hex(n int) string { return hex.EncodeToString(w.bytes(n)) }

func (w *writer) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.rnd.Uint32())
	}
	return b
}

// insert writes n rows of table, batchRows a transaction.
func (w *writer) insert(ctx context.Context, table string, cols []string, n int, row func(i int) []any) error {
	start := time.Now()
	for lo := 0; lo < n; lo += batchRows {
		hi := min(lo+batchRows, n)
		err := w.store.InTx(ctx, func(tx *db.Tx) error { return w.batch(ctx, tx.SQL(), table, cols, lo, hi, row) })
		if err != nil {
			return fmt.Errorf("seeding %s rows %d–%d: %w", table, lo, hi, err)
		}
		w.say("%s: %d of %d (%.0f rows/s)", table, hi, n, float64(hi)/time.Since(start).Seconds())
	}
	return nil
}

func (w *writer) batch(ctx context.Context, tx *sql.Tx, table string, cols []string, lo, hi int, row func(i int) []any) error {
	var stmt *sql.Stmt
	for i := lo; i < hi; i += rowsPerInsert {
		k := min(rowsPerInsert, hi-i)
		if stmt == nil || k != rowsPerInsert {
			var err error
			if stmt, err = tx.PrepareContext(ctx, w.insertSQL(table, cols, k)); err != nil {
				return err
			}
		}
		args := make([]any, 0, k*len(cols))
		for j := range k {
			args = append(args, row(i+j)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// insertSQL is an INSERT of k rows, in the store's placeholders.
func (w *writer) insertSQL(table string, cols []string, k int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) ", table, strings.Join(cols, ", "))
	if w.pg && cols[0] == "id" { // an identity column on PostgreSQL
		b.WriteString("OVERRIDING SYSTEM VALUE ")
	}
	b.WriteString("VALUES ")
	n := 0
	for r := range k {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if w.pg {
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
