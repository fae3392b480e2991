package intake

import (
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// phase is where a connection stands, which decides whether a session
// timeout or a shutdown may close it at once.
type phase int

const (
	phaseIdle       phase = iota // between transactions or commands: close at once
	phaseReceiving               // DATA is being read and parsed
	phaseCommitting              // Submit runs: closing now could lose the 250
)

// trackedConn is one accepted TCP connection. It carries what must outlive
// go-smtp's sessions (which restart after STARTTLS): the failed-AUTH count
// and the total session timer.
type trackedConn struct {
	net.Conn
	srv   *Server
	timer *time.Timer

	mu         sync.Mutex
	phase      phase
	closeAfter bool // close once the transaction in flight has been answered
	authFails  int
	encrypted  bool // STARTTLS was answered: writes are TLS records
	once       sync.Once
}

// rawConn returns the trackedConn under c, seeing through STARTTLS.
func rawConn(c net.Conn) *trackedConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	t, _ := c.(*trackedConn)
	return t
}

// Close closes the connection and forgets it; it is safe to call twice.
func (c *trackedConn) Close() error {
	var err error
	c.once.Do(func() {
		c.mu.Lock()
		t := c.timer
		c.mu.Unlock()
		if t != nil {
			t.Stop()
		}
		err = c.Conn.Close()
		c.srv.forget(c)
	})
	return err
}

// setPhase records the transaction's progress.
func (c *trackedConn) setPhase(p phase) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.phase = p
	c.mu.Unlock()
}

// endTransaction is called once the reply to DATA has been written: a
// close that waited for it happens now.
func (c *trackedConn) endTransaction() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.phase = phaseIdle
	closeNow := c.closeAfter
	c.mu.Unlock()
	if closeNow {
		_ = c.Close()
	}
}

// closeUnless closes the connection now unless it is in a phase keep
// protects; then it closes after that transaction's reply.
func (c *trackedConn) closeUnless(keep func(phase) bool) {
	c.mu.Lock()
	wait := keep(c.phase)
	c.closeAfter = c.closeAfter || wait
	c.mu.Unlock()
	if !wait {
		_ = c.Close()
	}
}

// expire ends a connection that reached the total session time. A message
// being received is cut off (the sender retries, nothing was answered), but
// one being committed is let through so its 250 is not lost.
func (c *trackedConn) expire() {
	c.closeUnless(func(p phase) bool { return p == phaseCommitting })
}

// failAuth counts one failed AUTH on this connection and returns the count.
func (c *trackedConn) failAuth() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.authFails++
	return c.authFails
}

// listener admits at most MaxConnections connections; the others get 421.
type listener struct {
	net.Listener
	srv *Server
}

// Accept returns the next connection the server has room for.
func (l listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, reason := l.srv.track(c)
		if tc != nil {
			return tc, nil
		}
		go refuse(c, "421 4.3.2 "+reason+"\r\n")
	}
}

// refuse writes one reply to a connection the server will not serve and
// closes it, without letting a slow peer hold anything for long.
func refuse(c net.Conn, reply string) {
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.Write([]byte(reply))
	_ = c.Close()
}
