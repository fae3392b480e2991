package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluis/portal/delivery"
)

// The crash test's load: crashMessages are offered over crashConns
// connections, and the server is killed once crashKillAt have got 250.
const (
	crashMessages = 1000
	crashConns    = 8
	crashKillAt   = crashMessages / 2
)

// crashRcpts all have address-book data, so every message is released.
var crashRcpts = []string{"r0@example.com", "r1@example.com", "r2@example.org", "r3@example.net"}

// TestCrashLosesNothingAcknowledged kills `sluis serve` with SIGKILL while
// a load runs, restarts it on the same data folder, and checks that every
// message that got 250 is stored, readable and notified, and that what
// the crash left behind is swept.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds the binary and drives 1,000 messages through a SIGKILL; skipped with -short")
	}
	bin := buildSluis(t)
	relay := startRelay(t, "")
	inbox := collect(t, relay)
	srv := newCrashServer(t, bin, relay.addr)

	proc := srv.start(t)
	load := newCrashLoad(t.Name())
	load.run(srv.smtp, func() {
		if err := proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill -9: %v", err)
		}
	})
	<-proc.done // killed: its exit status says so
	acked := load.acked()
	t.Logf("before the kill: %d messages got 250, %d failed, %d never sent", len(acked), load.count(failed), load.count(unsent))
	if len(acked) < crashKillAt {
		t.Fatalf("only %d messages got 250 before the kill:\n%s", len(acked), srv.log(t))
	}

	store := openData(t, srv.data)
	t.Logf("notification jobs after the kill: %s", jobStates(t, store))
	proc = srv.start(t)
	keys, _, v := openBlobs(t, srv.data)
	links := delivery.New(delivery.Options{Keys: keys, BaseURL: "http://" + srv.http}) // only derives links
	defer links.Close()
	want := checkStored(t, store, v, links, load, acked)
	// River is at least once: duplicates are fine, a missing one is not.
	// Jobs the kill left "running" are run again only once River rescues
	// them (portal/jobs: RescueAfter, 1 minute, checked every 30 s by the
	// elected leader), so the wait is longer than that.
	if missing := inbox.waitFor(want, 150*time.Second); len(missing) > 0 {
		t.Errorf("%d of %d notifications never arrived; notification jobs now: %s", len(missing), len(want), jobStates(t, store))
		for _, m := range missing[:min(len(missing), 10)] {
			t.Errorf("no notification for %s of %s; its job: %s", m.addr, m.msgID, jobOf(t, store, m.rcptID))
		}
	}
	srv.stop(t, proc)
	checkSwept(t, store, srv.data)
}

// Outcomes of one message of the load.
const (
	unsent int32 = iota
	acked        // the server answered 250 to the final dot
	failed       // anything else: refused, or the connection broke
)

// crashLoad is the messages of the crash test and what happened to each.
type crashLoad struct {
	msgIDs, texts []string
	rcpts         [][]string
	outcome       []atomic.Int32
}

func newCrashLoad(tag string) *crashLoad { return newLoad(tag, crashMessages) }

// newLoad makes n messages to two of crashRcpts each.
func newLoad(tag string, n int) *crashLoad {
	l := &crashLoad{outcome: make([]atomic.Int32, n)}
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	for i := range n {
		l.msgIDs = append(l.msgIDs, fmt.Sprintf("crash-%d-%s@zkh.test", i, run))
		l.rcpts = append(l.rcpts, []string{crashRcpts[i%4], crashRcpts[(i+1)%4]})
		var body strings.Builder
		fmt.Fprintf(&body, "Message %d of %s, run %s.\n", i, tag, run)
		for j := range 40 {
			fmt.Fprintf(&body, "Line %d: the results of your examination %d are in; nothing here may be lost.\n", j, i)
		}
		l.texts = append(l.texts, body.String())
	}
	return l
}

func (l *crashLoad) raw(i int) string {
	return "From: Dr. Arts <arts@zkh.test>\r\nTo: " + strings.Join(l.rcpts[i], ", ") + "\r\n" +
		"Subject: Crash test " + fmt.Sprint(i) + "\r\nMessage-ID: <" + l.msgIDs[i] + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.ReplaceAll(l.texts[i], "\n", "\r\n")
}

// run sends the messages over crashConns connections and calls kill once
// crashKillAt have got 250. A connection that breaks is dialled again; once
// dialling fails the connection's worker stops, so run ends soon after
// the kill.
func (l *crashLoad) run(addr string, kill func()) {
	addrs := make([]string, crashConns)
	for i := range addrs {
		addrs[i] = addr
	}
	l.runOver(addrs, crashKillAt, kill)
}

// runOver sends the messages over one connection to each of addrs (an
// address may repeat), all taking from one queue, and calls kill once
// killAt have got 250. A connection that breaks is dialled again; once
// dialling fails its worker stops and the others take the rest.
func (l *crashLoad) runOver(addrs []string, killAt int, kill func()) {
	next := make(chan int, len(l.outcome))
	for i := range l.outcome {
		next <- i
	}
	close(next)
	var n atomic.Int32
	var once sync.Once
	var wg sync.WaitGroup
	for _, addr := range addrs {
		wg.Go(func() {
			var c *smtp.Client
			defer func() {
				if c != nil {
					_ = c.Close()
				}
			}()
			for i := range next {
				var err error
				if c == nil {
					if c, err = dialAuth(addr); err != nil {
						return
					}
				}
				if err = c.SendMail("arts@zkh.test", l.rcpts[i], strings.NewReader(l.raw(i))); err != nil {
					l.outcome[i].Store(failed)
					_ = c.Close()
					c = nil
					continue
				}
				l.outcome[i].Store(acked)
				if int(n.Add(1)) == killAt {
					once.Do(kill)
				}
			}
		})
	}
	wg.Wait()
}

func dialAuth(addr string) (*smtp.Client, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Hello("client.test"); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	if err := c.Auth(sasl.NewPlainClient("", "arts@zkh.test", e2ePassword)); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

func (l *crashLoad) acked() []int {
	var out []int
	for i := range l.outcome {
		if l.outcome[i].Load() == acked {
			out = append(out, i)
		}
	}
	return out
}

func (l *crashLoad) count(o int32) int {
	n := 0
	for i := range l.outcome {
		if l.outcome[i].Load() == o {
			n++
		}
	}
	return n
}
