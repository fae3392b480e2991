package main

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/delivery"
)

// The failover test's load: failoverMessages over failoverConns
// connections to each of the two instances; A is killed once half have
// got 250. Each message has two recipients: 2,200 notifications. A kill
// can only duplicate the mails whose jobs are between the relay's 250 and
// A's record of it at that instant (a database commit; runs here saw 0 to
// 2), so the share of duplicates falls as the load grows; 0.1 % of 2,200
// leaves room for two.
const (
	failoverMessages = 1100
	failoverConns    = 3
)

// TestFailoverUnderLoad: two instances on one database and bucket take
// SMTP load; A is killed with SIGKILL half-way and not restarted. B takes
// the rest of the load, works every job, and rescues the ones A was
// running (River's rescuer, after portal/jobs' RescueAfter of a minute).
// Every message A or B answered 250 to is stored, decrypts, is readable
// through B's recipient pages, and every recipient is notified; a
// recipient notified twice is counted and kept under 0.1 %.
func TestFailoverUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("failover test: builds the binary, runs two servers and waits for River's rescue; skipped with -short")
	}
	c := newCluster(t, 2)
	a, b := c.nodes[0], c.nodes[1]
	inbox := collect(t, c.relay)
	// A slow relay keeps jobs mid-conversation, so that the kill leaves
	// some of A's running, for B to rescue. (Not after the message is
	// handed over: that instant, before A records the relay's 250, is the
	// one a duplicate cannot be avoided in.)
	c.relay.delay.Store(int64(200 * time.Millisecond))
	a.start(t)
	b.start(t)

	var addrs []string
	for range failoverConns {
		addrs = append(addrs, a.smtp, b.smtp)
	}
	load := newLoad(t.Name(), failoverMessages)
	load.runOver(addrs, failoverMessages/2, func() {
		if err := a.proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill -9 A: %v", err)
		}
	})
	<-a.proc.done
	acked := load.acked()
	t.Logf("load: %d messages got 250, %d failed, %d never sent", len(acked), load.count(failed), load.count(unsent))
	if len(acked) < failoverMessages*3/4 {
		t.Fatalf("only %d of %d messages got 250: B did not carry on\n%s", len(acked), failoverMessages, c.logs(t))
	}
	select {
	case <-b.proc.done:
		t.Fatalf("B exited: %v\n%s", b.proc.err, b.log(t))
	default:
	}

	store := c.store(t)
	t.Logf("notification jobs after the load: %s", jobStates(t, store))
	keys, v := c.vault(t)
	links := delivery.New(delivery.Options{Keys: keys, BaseURL: c.baseURL}) // only derives links
	defer links.Close()
	// Every acknowledged message must be stored; one stored but not
	// acknowledged (committed in the instant before the kill) must be
	// notified all the same.
	stored := storedOf(t, store, load)
	want := checkStored(t, store, v, links, load, union(acked, stored))
	// Jobs A left "running" are rescued by B once they are a minute old
	// (portal/jobs: RescueAfter), checked every 30 s by the elected leader,
	// which may first have to take over from A.
	missing := inbox.waitFor(want, 3*time.Minute)
	for _, m := range missing[:min(len(missing), 10)] {
		t.Errorf("no notification for %s of %s; its job: %s", m.addr, m.msgID, jobOf(t, store, m.rcptID))
	}
	// Then every job is worked, those A left running included: only then
	// can a duplicate that a rescued job would send have arrived.
	waitJobs(t, store, 0, 3*time.Minute, "state NOT IN ('completed', 'cancelled', 'discarded')")
	t.Logf("notification jobs at the end: %s; %d ran more than once", jobStates(t, store), jobCount(t, store, "attempt > 1"))
	notified, dups := inbox.tally(want)
	t.Logf("acknowledged %d, stored %d (%d of them acknowledged), notified %d of %d, duplicates %d (%.2f %%)",
		len(acked), len(stored), len(acked)-len(difference(acked, stored)), notified, len(want), dups,
		100*float64(dups)/float64(max(notified, 1)))
	if len(missing) > 0 {
		t.Errorf("%d of %d notifications never arrived; jobs now: %s", len(missing), len(want), jobStates(t, store))
	}
	if dups*1000 >= max(notified, 1) {
		t.Errorf("%d duplicate notifications of %d: not under 0.1 %%", dups, notified)
	}
	for _, w := range inbox.twice(want) {
		t.Logf("notified more than once: %s of %s; its job: %s", w.addr, w.msgID, jobOf(t, store, w.rcptID))
	}

	// One acknowledged message read through B's pages, with B's code.
	i := acked[len(acked)/2]
	first := want[0]
	for _, w := range want {
		if w.msgID == load.msgIDs[i] {
			first = w
			break
		}
	}
	number := phoneOf(t, store, first.rcptID)
	web := newWebClient(t)
	link := web.verifyBySMS(c, first.token, number, b, b)
	text := load.texts[messageIndex(load, first.msgID)]
	if pg := web.get(b, link+"/read"); pg.status != 200 || !containsLine(pg.body, text) {
		t.Errorf("message %s at B: %d\n%s", first.msgID, pg.status, pg.body)
	}
	(&crashServer{logs: b.logs}).stop(t, b.proc)
	if t.Failed() {
		t.Logf("server logs:\n%s", c.logs(t))
	}
}

// tally counts the expected notifications that arrived and the extra
// copies of them (a recipient notified more than once).
func (in *inbox) tally(want []expected) (notified, dups int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, w := range want {
		n := 0
		for _, a := range in.tokens[w.token] {
			if a == w.addr {
				n++
			}
		}
		if n > 0 {
			notified++
			dups += n - 1
		}
	}
	return notified, dups
}

// twice returns the expected notifications that arrived more than once.
func (in *inbox) twice(want []expected) []expected {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []expected
	for _, w := range want {
		n := 0
		for _, a := range in.tokens[w.token] {
			if a == w.addr {
				n++
			}
		}
		if n > 1 {
			out = append(out, w)
		}
	}
	return out
}

// storedOf returns the messages of the load that are in the database.
func storedOf(t *testing.T, store *db.Store, l *crashLoad) []int {
	t.Helper()
	rows, err := store.DB().QueryContext(context.Background(), `SELECT header_message_id FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	in := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		in[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var out []int
	for i, id := range l.msgIDs {
		if in[id] {
			out = append(out, i)
		}
	}
	return out
}

// union returns the indexes in a or b, in order.
func union(a, b []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, i := range append(append([]int{}, a...), b...) {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

// difference returns the indexes in a that are not in b.
func difference(a, b []int) []int {
	var out []int
	for _, i := range a {
		if !slices.Contains(b, i) {
			out = append(out, i)
		}
	}
	return out
}

// phoneOf is the mobile number a recipient's code goes to.
func phoneOf(t *testing.T, store *db.Store, rcptID int64) string {
	t.Helper()
	var number string
	if err := store.DB().QueryRowContext(context.Background(),
		sqlFor(store, `SELECT phone FROM recipients WHERE id = ?`), rcptID).Scan(&number); err != nil {
		t.Fatal(err)
	}
	return number
}

func messageIndex(l *crashLoad, msgID string) int {
	for i, id := range l.msgIDs {
		if id == msgID {
			return i
		}
	}
	return -1
}

// containsLine reports whether the page shows the text's first line.
func containsLine(page, text string) bool {
	first, _, _ := strings.Cut(text, "\n")
	return strings.Contains(page, first)
}
