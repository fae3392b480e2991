package intake

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/emersion/go-smtp"
)

// maxLineLength is twice RFC 5321's 1000, as go-smtp suggests; a longer
// line ends the connection.
const maxLineLength = 2000

// newSMTPServer configures go-smtp, which sets no limits of its own.
func (s *Server) newSMTPServer() *smtp.Server {
	ss := smtp.NewServer(smtp.BackendFunc(s.newSession))
	ss.Addr = s.opt.Addr
	ss.Domain = s.opt.Domain
	ss.TLSConfig = s.opt.TLSConfig
	ss.LMTP = false
	ss.MaxMessageBytes = s.opt.MaxMessageBytes // also advertised as SIZE
	ss.MaxRecipients = s.opt.MaxRecipients
	ss.MaxLineLength = maxLineLength
	ss.ReadTimeout = s.opt.ReadTimeout
	ss.WriteTimeout = s.opt.WriteTimeout
	// go-smtp's switch is global; the session decides per connection
	// (authAllowed), so that loopback can AUTH without TLS.
	ss.AllowInsecureAuth = true
	// Addresses are ASCII in the store (no IDNA, no UTF-8 local parts).
	ss.EnableSMTPUTF8 = false
	ss.ErrorLog = errorLog{s.log}
	return ss
}

// withDefaults fills the zero options.
func withDefaults(o Options) Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.ReadTimeout, 5*time.Minute)
	def(&o.WriteTimeout, 5*time.Minute)
	def(&o.SessionTimeout, 30*time.Minute)
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 50 << 20
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = 100
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 200
	}
	if o.Domain == "" {
		o.Domain, _ = os.Hostname()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// newSession starts a session on a go-smtp connection (after EHLO, and
// again after STARTTLS).
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	nc := c.Conn()
	_, isTLS := c.TLSConnectionState()
	return &session{srv: s, conn: nc, tc: rawConn(nc), tls: isTLS, remote: nc.RemoteAddr()}, nil
}

// track admits a new connection and starts its session timer, or returns
// nil and the reason it must be refused.
func (s *Server) track(c net.Conn) (*trackedConn, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return nil, "Server shutting down, please try again later"
	case len(s.conns) >= s.opt.MaxConnections:
		s.log.Warn("smtp connection refused: too many connections", "remote", c.RemoteAddr().String())
		return nil, "Too many connections, please try again later"
	}
	tc := &trackedConn{Conn: c, srv: s}
	s.conns[tc] = struct{}{}
	tc.mu.Lock()
	tc.timer = time.AfterFunc(s.opt.SessionTimeout, tc.expire)
	tc.mu.Unlock()
	return tc, ""
}

// forget drops a closed connection from the count.
func (s *Server) forget(c *trackedConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// isLoopback reports whether a peer connects from this host.
func isLoopback(a net.Addr) bool {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.IsLoopback()
	}
	return false
}

// errorLog passes go-smtp's internal errors (failed TLS handshakes, broken
// connections) to slog.
type errorLog struct{ log *slog.Logger }

// Printf logs one go-smtp message.
func (l errorLog) Printf(format string, v ...any) {
	l.log.Warn("smtp: " + fmt.Sprintf(format, v...))
}

// Println logs one go-smtp message.
func (l errorLog) Println(v ...any) {
	l.log.Warn("smtp: " + fmt.Sprintln(v...))
}
