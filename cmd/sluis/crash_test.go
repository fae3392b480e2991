package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/vault"
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
		if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill -9: %v", err)
		}
	})
	_ = proc.Wait() // killed: its exit status says so
	acked := load.acked()
	t.Logf("before the kill: %d messages got 250, %d failed, %d never sent", len(acked), load.count(failed), load.count(unsent))
	if len(acked) < crashKillAt {
		t.Fatalf("only %d messages got 250 before the kill:\n%s", len(acked), srv.log(t))
	}

	proc = srv.start(t)
	store := openData(t, srv.data)
	keys, _, v := openBlobs(t, srv.data)
	links := delivery.New(delivery.Options{Keys: keys, BaseURL: "http://" + srv.http})
	want := checkStored(t, store, v, links, load, acked)
	missing := inbox.waitFor(want, 60*time.Second)
	for _, m := range missing {
		t.Errorf("no notification for %s of %s; its job: %s", m.addr, m.msgID, jobOf(t, store, m.rcptID))
	}
	srv.stop(t, proc)
	checkSwept(t, store, srv.data)
}

// buildSluis builds the real binary (without -race: it is the product
// under test, not the test).
func buildSluis(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sluis")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashServer is a data folder and the flags that serve it, started as a
// subprocess of the built binary.
type crashServer struct {
	bin, data, http, smtp, relay string
	logs                         []string
}

func newCrashServer(t *testing.T, bin, relay string) *crashServer {
	t.Helper()
	s := &crashServer{bin: bin, data: t.TempDir(), http: "127.0.0.1:" + freePort(t), smtp: "127.0.0.1:" + freePort(t), relay: relay}
	s.cli(t, "migrate")
	s.cli(t, "org", "create", "--name", "Ziekenhuis Test", "--domain", "zkh.test")
	s.cli(t, "user", "add", "--email", "arts@zkh.test", "--name", "Dr. Arts", "--language", "en", "--password", e2ePassword)
	book := filepath.Join(s.data, "book.csv")
	rows := "email_address,full_name,phone_number\n"
	for i, a := range crashRcpts {
		rows += fmt.Sprintf("%s,Recipient %d,+3161234567%d\n", a, i, i)
	}
	writeFile(t, book, rows)
	s.cli(t, "contacts", "import", "--org", "zkh.test", book)
	return s
}

func (s *crashServer) cli(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "SLUIS_DATA="+s.data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sluis %v: %v\n%s", args, err, out)
	}
}

// start runs `sluis serve` and waits until it answers /readyz.
func (s *crashServer) start(t *testing.T) *exec.Cmd {
	t.Helper()
	logName := filepath.Join(t.TempDir(), fmt.Sprintf("serve-%d.log", len(s.logs)))
	logFile, err := os.Create(logName)
	if err != nil {
		t.Fatal(err)
	}
	s.logs = append(s.logs, logName)
	cmd := exec.Command(s.bin, "serve", "--http", s.http, "--smtp", s.smtp, "--relay", "smtp://"+s.relay,
		"--base-url", "http://"+s.http, "--mail-from", "sluis@zkh.test", "--shutdown-grace", "10s")
	cmd.Env = append(os.Environ(), "SLUIS_DATA="+s.data)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = logFile.Close() // the child has its own descriptor
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	for range 400 {
		if resp, err := http.Get("http://" + s.http + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve did not come up:\n%s", s.log(t))
	return nil
}

// stop ends serve with SIGTERM, as an operator would, and expects a clean exit.
func (s *crashServer) stop(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, s.log(t))
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not stop within 30 s of SIGTERM:\n%s", s.log(t))
		_ = cmd.Process.Kill()
		<-done
	}
}

// log returns the tail of every serve log so far.
func (s *crashServer) log(t *testing.T) string {
	var b strings.Builder
	for _, name := range s.logs {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Logf("reading %s: %v", name, err)
		}
		if len(data) > 8<<10 {
			data = data[len(data)-8<<10:]
		}
		fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(name), data)
	}
	return b.String()
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

func newCrashLoad(tag string) *crashLoad {
	l := &crashLoad{outcome: make([]atomic.Int32, crashMessages)}
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	for i := range crashMessages {
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
	next := make(chan int, crashMessages)
	for i := range crashMessages {
		next <- i
	}
	close(next)
	var n atomic.Int32
	var once sync.Once
	var wg sync.WaitGroup
	for range crashConns {
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
				if n.Add(1) == crashKillAt {
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
		err := store.DB().QueryRowContext(ctx, `SELECT id, state, text_blob FROM messages WHERE header_message_id = ?`, l.msgIDs[i]).
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
