package mailer

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errNoStartTLS is the text of go-smtp's (unexported) error when the relay
// does not offer STARTTLS; TestRelaySend/plain pins it.
const errNoStartTLS = "smtp: server doesn't support STARTTLS"

// open connects, secures and authenticates one SMTP session, bound to ctx.
func (r *Relay) open(ctx context.Context) (*session, error) {
	open := r.openStartTLS
	if r.cfg.ImplicitTLS {
		open = r.openImplicitTLS
	}
	c, conn, err := open(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.auth(ctx, c); err != nil {
		_ = c.Close()
		return nil, err
	}
	return &session{c: c, conn: conn}, nil
}

func (r *Relay) openImplicitTLS(ctx context.Context) (*smtp.Client, *ctxConn, error) {
	conn, err := r.dialConn(ctx)
	if err != nil {
		return nil, nil, err
	}
	tc := tls.Client(conn, r.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = tc.Close()
		return nil, nil, classify(ctx, StageTLS, err)
	}
	c, err := r.hello(ctx, smtp.NewClient(tc), StageConnect)
	return c, conn, err
}

// openStartTLS upgrades to TLS whenever the relay offers STARTTLS. go-smtp
// v0.25 has no public StartTLS on a Client, only NewClientStartTLS, which
// closes the connection when STARTTLS is missing: then we dial again and
// stay in clear text (auth refuses to send a password over it).
func (r *Relay) openStartTLS(ctx context.Context) (*smtp.Client, *ctxConn, error) {
	conn, err := r.dialConn(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := smtp.NewClientStartTLS(conn, r.tlsConfig())
	if err == nil {
		// The first EHLO after STARTTLS runs the TLS handshake.
		c, err = r.hello(ctx, c, StageTLS)
		return c, conn, err
	}
	if err.Error() != errNoStartTLS {
		return nil, nil, classify(ctx, StageConnect, err)
	}
	if conn, err = r.dialConn(ctx); err != nil {
		return nil, nil, err
	}
	c, err = r.hello(ctx, smtp.NewClient(conn), StageConnect)
	return c, conn, err
}

func (r *Relay) hello(ctx context.Context, c *smtp.Client, stage string) (*smtp.Client, error) {
	if err := c.Hello(r.cfg.HeloName); err != nil {
		_ = c.Close()
		return nil, classify(ctx, stage, err)
	}
	return c, nil
}

// auth logs in when credentials are configured. A password is sent only
// over TLS, or to a relay on a loopback address, where nobody can listen.
func (r *Relay) auth(ctx context.Context, c *smtp.Client) error {
	if r.cfg.Username == "" {
		return nil
	}
	if _, ok := c.TLSConnectionState(); !ok && !isLoopback(r.cfg.Host) {
		return &TemporaryError{Stage: StageAuth, Err: fmt.Errorf(
			"relay %s offers no STARTTLS: refusing to send the relay password in clear text "+
				"(use smtps://, a relay that offers STARTTLS, or one on a loopback address)", r.cfg.Host)}
	}
	var mech sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		mech = sasl.NewPlainClient("", r.cfg.Username, r.cfg.Password)
	case c.SupportsAuth(sasl.Login): // e.g. Microsoft 365 offers no PLAIN
		mech = sasl.NewLoginClient(r.cfg.Username, r.cfg.Password)
	default:
		return &TemporaryError{Stage: StageAuth, Err: fmt.Errorf("relay %s offers neither AUTH PLAIN nor AUTH LOGIN", r.cfg.Host)}
	}
	if err := c.Auth(mech); err != nil {
		return classify(ctx, StageAuth, err)
	}
	return nil
}

func (r *Relay) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if r.cfg.TLSConfig != nil {
		cfg = r.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = r.cfg.Host
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return cfg
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// dialConn connects to the relay and binds the connection to ctx.
func (r *Relay) dialConn(ctx context.Context) (*ctxConn, error) {
	conn, err := r.dial(ctx, "tcp", r.cfg.Addr())
	if err != nil {
		return nil, classify(ctx, StageConnect, err)
	}
	c := &ctxConn{Conn: conn, stop: func() bool { return true }}
	if err := c.bind(ctx); err != nil {
		_ = c.Close()
		return nil, classify(ctx, StageConnect, err)
	}
	return c, nil
}

// ctxConn keeps every read and write within the context of the Send that
// uses it (bind): go-smtp sets and clears deadlines per command, so each
// deadline it sets (including "none") is capped at the context's, and
// cancelling the context closes the connection. A pooled connection is
// unbound while idle and bound again by the next Send.
type ctxConn struct {
	net.Conn
	deadline time.Time
	stop     func() bool
}

// bind ties the connection to ctx, which must have a deadline.
func (c *ctxConn) bind(ctx context.Context) error {
	c.deadline, _ = ctx.Deadline()
	c.stop = context.AfterFunc(ctx, func() { _ = c.Conn.Close() })
	return c.Conn.SetDeadline(c.deadline)
}

// unbind unties the connection from its context; false when the context
// ended first and closed it.
func (c *ctxConn) unbind() bool {
	if !c.stop() {
		return false
	}
	c.stop = func() bool { return true }
	c.deadline = time.Time{}
	return c.Conn.SetDeadline(time.Time{}) == nil
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func (c *ctxConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.capped(t)) }
func (c *ctxConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.capped(t)) }
func (c *ctxConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.capped(t)) }

func (c *ctxConn) capped(t time.Time) time.Time {
	if t.IsZero() || (!c.deadline.IsZero() && t.After(c.deadline)) {
		return c.deadline
	}
	return t
}
