package intake

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// badPlain is AUTH PLAIN for alice with a wrong password.
const badPlain = "AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHdyb25n"

// TestConnectionThrottle slows failed AUTH down after three and ends the
// connection at the fifth.
func TestConnectionThrottle(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := rawDial(t, e.addr)
	c.cmd(t, "EHLO client.test", 250)
	for i := 1; i <= 4; i++ {
		c.cmd(t, badPlain, 535)
	}
	c.cmd(t, badPlain, 421)
	if !c.closed(t) {
		t.Error("connection still open after 5 failed AUTH")
	}
	if got := e.slept.String(); got != "1s,2s" {
		t.Errorf("delays %q, want 1s,2s", got)
	}
}

// TestSessionTimeout closes a connection when its total time is up, even
// while it keeps talking.
func TestSessionTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SessionTimeout = 300 * time.Millisecond }, nil)
	c := rawDial(t, e.addr)
	c.cmd(t, "EHLO client.test", 250)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := c.PrintfLine("NOOP"); err != nil {
			return
		}
		if _, _, err := c.ReadResponse(250); err != nil {
			return // closed
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("connection outlived its session timeout")
}

// TestSessionTimeoutLetsCommitFinish answers a message whose commit was
// under way when the session time ran out.
func TestSessionTimeoutLetsCommitFinish(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sub.set(func(f *fakeSubmitter) { f.started, f.release = make(chan struct{}, 1), make(chan struct{}) })
	c := e.login(t)
	done := make(chan error, 1)
	go func() { done <- send(c, alice, []string{"carol@client.example"}, mail(alice, "s", "b")) }()
	<-e.sub.started
	for _, tc := range e.srv.tracked() {
		tc.expire() // what the session timer does
	}
	close(e.sub.release)
	must(t, <-done)
	if err := c.Noop(); err == nil {
		t.Error("connection still open after its session timed out")
	}
}

// TestIdleTimeout says 421 to a client that stays silent.
func TestIdleTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.ReadTimeout = 200 * time.Millisecond }, nil)
	c := rawDial(t, e.addr)
	c.cmd(t, "EHLO client.test", 250)
	c.expect(t, 421)
}

// TestMaxConnections turns a connection beyond the limit away with 421.
func TestMaxConnections(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxConnections = 2 }, nil)
	rawDial(t, e.addr)
	rawDial(t, e.addr)
	conn, err := net.Dial("tcp", e.addr)
	must(t, err)
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	must(t, err)
	if !strings.HasPrefix(line, "421 ") {
		t.Errorf("third connection got %q", line)
	}
}
