package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluis/db"
)

// openData opens the SQLite database of a data folder; it may run beside
// a serving instance (WAL lets readers in while it writes).
func openData(t *testing.T, data string) *db.Store {
	t.Helper()
	store, err := db.Open(context.Background(), filepath.Join(data, "sluis.db"), db.Options{})
	if err != nil {
		t.Fatalf("opening the database of %s: %v", data, err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("closing the database: %v", err)
		}
	})
	return store
}

// importBook adds rows (email_address,full_name,phone_number lines) to the
// address book of zkh.test in a data folder, as an admin would.
func importBook(t *testing.T, data string, rows ...string) {
	t.Helper()
	book := filepath.Join(t.TempDir(), "book.csv")
	writeFile(t, book, "email_address,full_name,phone_number\n"+strings.Join(rows, "\n")+"\n")
	mustRun(t, map[string]string{"SLUIS_DATA": data}, "contacts", "import", "--org", "zkh.test", book)
}

// notifyKinds are the notification jobs: one per message at intake, one per
// recipient when a draft is released.
const notifyKinds = `kind IN ('notify_message', 'notify_recipient')`

// jobCount counts the notification jobs that match a SQL condition.
func jobCount(t *testing.T, store *db.Store, cond string, args ...any) int {
	t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM river_job WHERE ` + notifyKinds + ` AND (` + cond + `)`
	if err := store.DB().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("counting jobs: %v", err)
	}
	return n
}

// waitJobs polls the job table until want notification jobs match cond.
// It is a wait for a precondition, not an assertion of timing: the test
// fails only when the jobs never get there.
func waitJobs(t *testing.T, store *db.Store, want int, timeout time.Duration, cond string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := jobCount(t, store, cond, args...)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notification jobs match %q after %s, want %d", n, cond, timeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recipientStatus is one recipient row of a message, found by Message-ID.
type recipientStatus struct {
	Address, Status, Bounce string
}

// statuses returns the recipients of the message whose Message-ID header
// is msgID, by address.
func statuses(t *testing.T, store *db.Store, msgID string) map[string]recipientStatus {
	t.Helper()
	rows, err := store.DB().QueryContext(context.Background(), `SELECT r.address, r.status, r.bounce
		FROM recipients r JOIN messages m ON m.id = r.message_id WHERE m.header_message_id = ?`, msgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]recipientStatus{}
	for rows.Next() {
		var r recipientStatus
		if err := rows.Scan(&r.Address, &r.Status, &r.Bounce); err != nil {
			t.Fatal(err)
		}
		out[r.Address] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
