package main

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestNotificationsSurviveRelayOutage: with the relay down, a message is
// still accepted (250); the notifications fail, River retries them with its
// back-off, and once the relay is back on the same address every recipient
// is notified.
func TestNotificationsSurviveRelayOutage(t *testing.T) {
	relay := startRelay(t, "")
	addr := relay.addr
	in := startInstance(t, relay)
	importBook(t, in.data, "second@example.org,Second,+31612345679")
	store := openData(t, in.data)

	relay.stop()
	rcpts := []string{"patient@example.com", "second@example.org"}
	msg := "From: arts@zkh.test\r\nTo: patient@example.com, second@example.org\r\nSubject: Relay down\r\n" +
		"Message-ID: <relay-down-1@zkh.test>\r\n\r\nSent while the relay was down.\r\n"
	if err := in.submit("arts@zkh.test", rcpts, msg); err != nil {
		t.Fatalf("submit with the relay down: %v\n%s", err, in.stderr.String())
	}
	// The message's notification job has failed at least once and waits
	// for River's retry (about 1 s after the first failure, 16 s after the
	// second).
	waitJobs(t, store, 1, 10*time.Second, "errors IS NOT NULL AND state IN ('available', 'retryable')")

	relay = startRelay(t, addr)
	got := relay.wait(t, 2, 35*time.Second)
	var to []string
	for _, m := range got {
		to = append(to, m.To...)
		if !strings.Contains(string(m.Data), "http://"+in.http+"/m/") {
			t.Errorf("notification to %v carries no link:\n%s", m.To, m.Data)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, rcpts) {
		t.Errorf("notified %v, want %v", to, rcpts)
	}
	waitJobs(t, store, 1, 10*time.Second, "state = 'completed'")
	in.stop()
	for addr, st := range statuses(t, store, "relay-down-1@zkh.test") {
		if st.Status != "notified" {
			t.Errorf("%s: status %q, want notified", addr, st.Status)
		}
	}
}

// TestRelayRefusalBouncesOneRecipient: the relay answers 550 at RCPT for one
// recipient; that recipient is recorded as bounced, the other is notified.
func TestRelayRefusalBouncesOneRecipient(t *testing.T) {
	relay := startRefusingRelay(t, "refused@example.org")
	in := startInstance(t, relay)
	importBook(t, in.data, "refused@example.org,Refused,+31612345670")
	store := openData(t, in.data)

	msg := "From: arts@zkh.test\r\nTo: patient@example.com, refused@example.org\r\nSubject: Bounce\r\n" +
		"Message-ID: <bounce-1@zkh.test>\r\n\r\nOne of you will not get this.\r\n"
	if err := in.submit("arts@zkh.test", []string{"patient@example.com", "refused@example.org"}, msg); err != nil {
		t.Fatalf("submit: %v\n%s", err, in.stderr.String())
	}
	got := relay.wait(t, 1, 30*time.Second)
	if len(got[0].To) != 1 || got[0].To[0] != "patient@example.com" {
		t.Errorf("notification went to %v, want patient@example.com", got[0].To)
	}
	waitJobs(t, store, 1, 30*time.Second, "state IN ('completed', 'cancelled', 'discarded')")
	in.stop()

	st := statuses(t, store, "bounce-1@zkh.test")
	if p := st["patient@example.com"]; p.Status != "notified" {
		t.Errorf("patient@example.com: %+v, want notified", p)
	}
	if r := st["refused@example.org"]; r.Status != "bounced" || !strings.Contains(r.Bounce, "550") {
		t.Errorf("refused@example.org: %+v, want bounced with the relay's 550", r)
	}
	select {
	case m := <-relay.ch:
		t.Errorf("unexpected extra mail to %v", m.To)
	default:
	}
}

// startRefusingRelay is startRelay whose server answers 550 5.1.1 at RCPT
// for the given addresses and takes everything else.
func startRefusingRelay(t *testing.T, refuse ...string) *testRelay {
	t.Helper()
	r := &testRelay{ch: make(chan relayed, 1000)}
	r.srv = smtp.NewServer(refusingBackend{r: r, refuse: refuse})
	r.srv.Domain = "relay.test"
	r.srv.AllowInsecureAuth = true
	r.srv.ReadTimeout, r.srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

type refusingBackend struct {
	r      *testRelay
	refuse []string
}

func (b refusingBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s, err := b.r.NewSession(c)
	return &refusingSession{Session: s, refuse: b.refuse}, err
}

type refusingSession struct {
	smtp.Session
	refuse []string
}

func (s *refusingSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if slices.Contains(s.refuse, to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	}
	return s.Session.Rcpt(to, opts)
}
