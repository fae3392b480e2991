package main

import (
	"bytes"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// testRelay is a real SMTP server standing in for the organisation's
// relay: it records every message it accepts.
type testRelay struct {
	mu   sync.Mutex
	got  []relayed
	srv  *smtp.Server
	addr string
	ch   chan relayed
	// delay holds each MAIL FROM this long, as a busy relay would: a
	// sender is then mid-conversation for a while, before the message is
	// handed over.
	delay atomic.Int64
	// open counts the sessions connected now.
	open atomic.Int64
}

type relayed struct {
	From string
	To   []string
	Data []byte
}

func startRelay(t *testing.T, addr string) *testRelay {
	t.Helper()
	r := &testRelay{ch: make(chan relayed, 1000)}
	r.srv = smtp.NewServer(r)
	r.srv.Domain = "relay.test"
	r.srv.AllowInsecureAuth = true
	r.srv.ReadTimeout, r.srv.WriteTimeout = 10*time.Second, 10*time.Second
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

func (r *testRelay) stop() { _ = r.srv.Close() }

func (r *testRelay) NewSession(*smtp.Conn) (smtp.Session, error) {
	r.open.Add(1)
	return &relaySession{r: r}, nil
}

// wait returns the next n messages, failing the test after timeout.
func (r *testRelay) wait(t *testing.T, n int, timeout time.Duration) []relayed {
	t.Helper()
	var out []relayed
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case m := <-r.ch:
			out = append(out, m)
		case <-deadline:
			t.Fatalf("relay got %d of %d messages in %s", len(out), n, timeout)
		}
	}
	return out
}

type relaySession struct {
	r    *testRelay
	from string
	to   []string
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	time.Sleep(time.Duration(s.r.delay.Load()))
	s.from = from
	return nil
}
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		return err
	}
	m := relayed{From: s.from, To: s.to, Data: b.Bytes()}
	s.r.mu.Lock()
	s.r.got = append(s.r.got, m)
	s.r.mu.Unlock()
	s.r.ch <- m
	return nil
}
func (s *relaySession) Reset() { s.from, s.to = "", nil }
func (s *relaySession) Logout() error {
	s.r.open.Add(-1)
	return nil
}
