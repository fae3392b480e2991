// Package intake is the SMTP server through which senders submit mail: AUTH,
// envelope checks, streaming the message into portal/mime, and handing
// the result to the delivery layer, which must commit it durably before the
// sender is told 250.
//
// Threat model: the port faces the internet, and anyone can connect.
//   - Credential stuffing and password guessing: AUTH checks passwords with
//     portal/auth, the web sign-in's own check, under the same failure
//     counts in the database (per typed address and per client network,
//     shared by every instance and by the web); on one connection failures
//     are slowed down and then end it.
//   - Locking out an address's owner by failing on purpose: a locked address
//     still takes the right password, slowly, from a network that has not
//     failed (see portal/auth).
//   - User enumeration: an unknown address, a disabled user and a wrong
//     password get the same reply after the same work (unknown addresses are
//     checked against a dummy hash), and lockouts apply to any address.
//   - A sign-in that outlives the account: a connection signs in once, so the
//     user is read again at every MAIL FROM, and a user disabled, or with a
//     new password, since then is refused and the connection ends.
//   - Resource exhaustion: connections, message size, recipients, line
//     length, idle time and total session time are bounded; argon2id checks
//     in flight are bounded by auth's semaphore; messages are parsed as
//     streams.
//   - Spoofing: the envelope sender and the From: header must be the signed-in
//     user's own address or one of their aliases.
//   - Plaintext passwords: AUTH needs TLS, except from loopback or when the
//     operator allows it (demo mode).
package intake

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/auth"
)

// Options configure a Server; zero fields take the documented defaults.
type Options struct {
	Addr            string
	Store           *db.Store
	Auth            *auth.Service // checks passwords, under the limits shared with the web
	Submitter       Submitter
	Logger          *slog.Logger
	TLSConfig       *tls.Config   // nil: no STARTTLS
	InsecureAuth    bool          // allow AUTH without TLS from any address (else only loopback)
	MaxMessageBytes int64         // default 50 MiB
	MaxRecipients   int           // default 100
	ReadTimeout     time.Duration // idle: default 5 min
	WriteTimeout    time.Duration // default 5 min
	SessionTimeout  time.Duration // total per connection, default 30 min
	MaxConnections  int           // default 200; beyond: 421
	Domain          string        // greeting hostname, default the host name
}

// Server is the SMTP intake.
type Server struct {
	opt    Options
	log    *slog.Logger
	smtp   *smtp.Server
	ctx    context.Context // canceled when Shutdown gives up waiting
	cancel context.CancelFunc

	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	closing bool

	// Hooks for tests: how failed-AUTH delays are waited out, and which
	// peers count as loopback.
	sleep      func(time.Duration)
	isLoopback func(net.Addr) bool
}

// NewServer checks the options and builds a Server.
func NewServer(opt Options) (*Server, error) {
	if opt.Store == nil || opt.Auth == nil || opt.Submitter == nil {
		return nil, errors.New("intake: Store, Auth and Submitter are required")
	}
	opt = withDefaults(opt)
	s := &Server{opt: opt, log: opt.Logger, conns: map[*trackedConn]struct{}{},
		sleep: time.Sleep, isLoopback: isLoopback}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.smtp = s.newSMTPServer()
	return s, nil
}

// ListenAndServe listens on Options.Addr and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.opt.Addr)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	return s.Serve(ln)
}

// Serve serves SMTP on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.smtp.Serve(listener{Listener: ln, srv: s})
}

// Shutdown stops accepting, closes idle connections, lets transactions in
// flight finish and be answered until ctx ends, then closes everything.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	for _, c := range s.tracked() {
		c.closeUnless(func(p phase) bool { return p != phaseIdle })
	}
	err := s.smtp.Shutdown(ctx)
	if ctx.Err() != nil {
		// go-smtp's Close does nothing once Shutdown has begun: close the
		// connections that are still busy here.
		for _, c := range s.tracked() {
			_ = c.Close()
		}
	}
	s.cancel()
	return err
}

// tracked returns the open connections.
func (s *Server) tracked() []*trackedConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}
