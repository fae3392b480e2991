package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/vault"
)

// openBlobs opens a data folder's key and blob store as serve does.
func openBlobs(t *testing.T, data string) (*vault.Keys, *vault.FS, *vault.Vault) {
	t.Helper()
	keys, err := vault.LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := vault.NewFS(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return keys, blobs, vault.New(keys, blobs)
}

// inbox gathers the link tokens of every notification a relay receives,
// draining it from the start so the relay never blocks.
type inbox struct {
	mu      sync.Mutex
	tokens  map[string][]string // token → addresses it was sent to, once per mail
	arrived chan struct{}       // a nudge after each message
}

// linkToken finds a recipient link in a notification (quoted-printable
// soft line breaks removed first).
var linkToken = regexp.MustCompile(`/m/([A-Za-z0-9_-]{43})`)

func collect(t *testing.T, r *testRelay) *inbox {
	t.Helper()
	in := &inbox{tokens: map[string][]string{}, arrived: make(chan struct{}, 1)}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case m := <-r.ch:
				in.add(m)
			case <-done:
				return
			}
		}
	}()
	return in
}

func (in *inbox) add(m relayed) {
	text := strings.ReplaceAll(string(m.Data), "=\r\n", "")
	in.mu.Lock()
	seen := map[string]bool{} // a notification shows its link more than once
	for _, sm := range linkToken.FindAllStringSubmatch(text, -1) {
		if !seen[sm[1]] {
			seen[sm[1]] = true
			in.tokens[sm[1]] = append(in.tokens[sm[1]], m.To...)
		}
	}
	in.mu.Unlock()
	select {
	case in.arrived <- struct{}{}:
	default:
	}
}

// missing returns the expected notifications not received yet.
func (in *inbox) missing(want []expected) []expected {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []expected
	for _, w := range want {
		found := false
		for _, a := range in.tokens[w.token] {
			found = found || a == w.addr
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

// waitFor waits until every expected notification has arrived, or the
// timeout; it returns those still missing.
func (in *inbox) waitFor(want []expected, timeout time.Duration) []expected {
	deadline := time.After(timeout)
	for {
		miss := in.missing(want)
		if len(miss) == 0 {
			return nil
		}
		select {
		case <-in.arrived:
		case <-deadline:
			return miss
		}
	}
}

// notifications lists the notifications a stored message's recipients must get.
func notifications(t *testing.T, store *db.Store, links *delivery.Service, msgID string, id int64) []expected {
	t.Helper()
	rows, err := store.DB().QueryContext(context.Background(),
		sqlFor(store, `SELECT id, address, link_nonce FROM recipients WHERE message_id = ? ORDER BY position`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []expected
	for rows.Next() {
		var e expected
		var nonce string
		if err := rows.Scan(&e.rcptID, &e.addr, &nonce); err != nil {
			t.Fatal(err)
		}
		url := links.RecipientURL(nonce)
		e.msgID, e.token = msgID, url[strings.LastIndex(url, "/m/")+3:]
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Errorf("message %s has no recipients", msgID)
	}
	return out
}

// jobOf describes the notification job of a recipient (its message's job),
// for a failure message.
func jobOf(t *testing.T, store *db.Store, rcptID int64) string {
	t.Helper()
	var state, attemptedAt, scheduledAt, errs string
	var attempt int
	q := `SELECT state, attempt, COALESCE(CAST(attempted_at AS TEXT), ''),
		CAST(scheduled_at AS TEXT), COALESCE(json(errors), '') FROM river_job
		WHERE kind = 'notify_message' AND json_extract(args, '$.message_id') = (SELECT message_id FROM recipients WHERE id = ?)`
	if store.Dialect() == db.Postgres {
		q = `SELECT state::text, attempt, COALESCE(attempted_at::text, ''), scheduled_at::text,
			COALESCE(array_to_string(errors, ' '), '') FROM river_job
			WHERE kind = 'notify_message' AND (args->>'message_id')::bigint = (SELECT message_id FROM recipients WHERE id = $1)`
	}
	err := store.DB().QueryRowContext(context.Background(), q, rcptID).
		Scan(&state, &attempt, &attemptedAt, &scheduledAt, &errs)
	if err != nil {
		return "none found: " + err.Error()
	}
	return fmt.Sprintf("state %s, attempt %d, attempted at %s, scheduled at %s, errors %s",
		state, attempt, attemptedAt, scheduledAt, errs)
}

// checkSwept counts what the crash left behind: blobs no row references
// and temp files of unfinished writes. The sweeper removes them after an
// hour; run it with a clock two hours ahead and check that it leaves
// nothing unreferenced and removes nothing referenced.
func checkSwept(t *testing.T, store *db.Store, data string) {
	t.Helper()
	keys, blobs, v := openBlobs(t, data)
	tmp := filepath.Join(data, "blobs", "tmp")
	refs, orphans := countBlobs(t, store, blobs)
	temps := countTemps(t, tmp)
	t.Logf("after the crash and restart: %d referenced blobs, %d unreferenced, %d temp files", refs, orphans, temps)
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	sweeper := delivery.New(delivery.Options{Store: store, Vault: v, Blobs: blobs, Keys: keys, Now: later})
	defer sweeper.Close()
	n, err := sweeper.SweepBlobs(context.Background())
	if err != nil {
		t.Fatalf("sweeping: %v", err)
	}
	refs2, orphans2 := countBlobs(t, store, blobs)
	if temps2 := countTemps(t, tmp); orphans2 != 0 || temps2 != 0 || n != orphans || refs2 != refs {
		t.Errorf("the sweeper removed %d; left %d unreferenced blobs and %d temp files; referenced blobs %d → %d",
			n, orphans2, temps2, refs, refs2)
	}
}

// countBlobs counts committed blobs that rows reference and those none does.
func countBlobs(t *testing.T, store *db.Store, blobs *vault.FS) (refs, orphans int) {
	t.Helper()
	ctx := context.Background()
	err := blobs.List(ctx, "", time.Now().Add(time.Hour), func(id string) error {
		used, err := store.BlobReferenced(ctx, id)
		if used {
			refs++
		} else {
			orphans++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs, orphans
}

// countTemps counts the files in the blob store's temp folder.
func countTemps(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// jobStates counts the notification jobs by state.
func jobStates(t *testing.T, store *db.Store) string {
	t.Helper()
	rows, err := store.DB().QueryContext(context.Background(),
		`SELECT state, COUNT(*) FROM river_job WHERE `+notifyKinds+` GROUP BY state ORDER BY state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, state))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, ", ")
}

// expected is a notification that must reach the relay: the link carries
// a token derived from the recipient's nonce.
type expected struct {
	addr, msgID, token string
	rcptID             int64
}

// checkStored finds every acknowledged message by its Message-ID, checks
// that it is released and that its text decrypts to what was sent, and
// returns the notifications its recipients must get.
func checkStored(t *testing.T, store *db.Store, v *vault.Vault, links *delivery.Service, l *crashLoad, acked []int) []expected {
	t.Helper()
	ctx := context.Background()
	var want []expected
	for _, i := range acked {
		var id int64
		var state, textBlob string
		err := store.DB().QueryRowContext(ctx, sqlFor(store, `SELECT id, state, text_blob FROM messages WHERE header_message_id = ?`), l.msgIDs[i]).
			Scan(&id, &state, &textBlob)
		if err != nil {
			t.Errorf("message %d got 250 but is not stored: %v", i, err)
			continue
		}
		if state != db.StateReleased {
			t.Errorf("message %d is %s, want released", i, state)
		}
		if got := readBlob(t, v, textBlob); got != l.texts[i] {
			t.Errorf("message %d reads back as %q, want %q", i, got, l.texts[i])
		}
		want = append(want, notifications(t, store, links, l.msgIDs[i], id)...)
	}
	return want
}

func readBlob(t *testing.T, v *vault.Vault, id string) string {
	t.Helper()
	rc, err := v.Open(context.Background(), id)
	if err != nil {
		t.Errorf("blob %s: %v", id, err)
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Errorf("blob %s: %v", id, err)
	}
	return string(b)
}

// sqlFor turns the ? placeholders of a test's query into $1, $2 … when
// store is on PostgreSQL.
func sqlFor(store *db.Store, query string) string {
	if store.Dialect() != db.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
