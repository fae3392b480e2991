package mailer

import (
	"context"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Pooled sessions. Opening a session costs a TCP handshake, EHLO, often a
// TLS handshake and AUTH: more than the mail itself. The Relay keeps
// sessions open after a successful delivery and hands them to the next
// Send, so one session carries many mails. The pool is small and bounded:
//
//   - at most RelayConfig.MaxConns sessions exist at once (sending or idle);
//     a Send beyond that waits for one, within its own deadline;
//   - a session taken from the pool gets an RSET before its next MAIL: it
//     starts clean, and a session the relay has dropped meanwhile is found
//     out before anything is sent on it (then closed, and another taken or
//     a new one opened: a reconnect that cannot send a mail twice);
//   - a session that failed in any way is closed, never pooled again;
//   - a session idle for RelayConfig.IdleTimeout is closed with QUIT.

// Defaults for RelayConfig.MaxConns and IdleTimeout.
const (
	DefaultMaxConns    = 8
	DefaultIdleTimeout = 30 * time.Second
)

// quitWait bounds the QUIT that closes an idle session.
const quitWait = 5 * time.Second

// session is one open SMTP session to the relay.
type session struct {
	c    *smtp.Client
	conn *ctxConn
	idle time.Time // when it was put back
}

// pool holds the idle sessions and the slots that bound all of them.
type pool struct {
	slots   chan struct{} // one token per session that may exist
	timeout time.Duration

	mu     sync.Mutex
	idle   []*session // most recently used last
	closed bool
	sweep  *time.Timer // set while idle sessions wait to expire
}

func newPool(maxConns int, idleTimeout time.Duration) *pool {
	return &pool{slots: make(chan struct{}, maxConns), timeout: idleTimeout}
}

// acquire takes a slot, waiting within ctx.
func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives a slot back.
func (p *pool) release() { <-p.slots }

// take returns the most recently used idle session that has not expired,
// or nil. Expired ones it finds are closed.
func (p *pool) take() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		s := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(s.idle) < p.timeout {
			return s
		}
		go s.quit()
	}
	return nil
}

// put keeps s for the next Send, or closes it when the pool is closed.
func (p *pool) put(s *session) {
	s.idle = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		go s.quit()
		return
	}
	p.idle = append(p.idle, s)
	if p.sweep == nil {
		p.sweep = time.AfterFunc(p.timeout, p.expire)
	}
}

// expire closes the sessions idle for the timeout, and comes back later
// while any remain.
func (p *pool) expire() {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := p.idle[:0]
	for _, s := range p.idle {
		if time.Since(s.idle) >= p.timeout {
			go s.quit()
			continue
		}
		keep = append(keep, s)
	}
	clear(p.idle[len(keep):])
	p.idle = keep
	p.sweep = nil
	if len(p.idle) > 0 && !p.closed {
		p.sweep = time.AfterFunc(p.timeout-time.Since(p.idle[0].idle), p.expire)
	}
}

// close says goodbye to every idle session; sessions sending now are
// closed when they come back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	if p.sweep != nil {
		p.sweep.Stop()
		p.sweep = nil
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range idle {
		wg.Go(s.quit)
	}
	wg.Wait()
}

// quit says goodbye and closes the connection, within quitWait.
func (s *session) quit() {
	ctx, cancel := context.WithTimeout(context.Background(), quitWait)
	defer cancel()
	if s.conn.bind(ctx) == nil {
		_ = s.c.Quit()
	}
	_ = s.c.Close() // after Quit this only reports "already closed"
}

// abandon closes a session that failed.
func (s *session) abandon() { _ = s.c.Close() }
