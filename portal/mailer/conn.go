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

// open connects, secures and authenticates one SMTP session.
func (r *Relay) open(ctx context.Context) (*smtp.Client, error) {
	open := r.openStartTLS
	if r.cfg.ImplicitTLS {
		open = r.openImplicitTLS
	}
	c, err := open(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.auth(ctx, c); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

func (r *Relay) openImplicitTLS(ctx context.Context) (*smtp.Client, error) {
	conn, err := r.dialConn(ctx)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(conn, r.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = tc.Close()
		return nil, classify(ctx, StageTLS, err)
	}
	return r.hello(ctx, smtp.NewClient(tc), StageConnect)
}

// openStartTLS upgrades to TLS whenever the relay offers STARTTLS. go-smtp
// v0.25 has no public StartTLS on a Client, only NewClientStartTLS, which
// closes the connection when STARTTLS is missing: then we dial again and
// stay in clear text (auth refuses to send a password over it).
func (r *Relay) openStartTLS(ctx context.Context) (*smtp.Client, error) {
	conn, err := r.dialConn(ctx)
	if err != nil {
		return nil, err
	}
	c, err := smtp.NewClientStartTLS(conn, r.tlsConfig())
	if err == nil {
		// The first EHLO after STARTTLS runs the TLS handshake.
		return r.hello(ctx, c, StageTLS)
	}
	if err.Error() != errNoStartTLS {
		return nil, classify(ctx, StageConnect, err)
	}
	if conn, err = r.dialConn(ctx); err != nil {
		return nil, err
	}
	return r.hello(ctx, smtp.NewClient(conn), StageConnect)
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

// dialConn connects to the relay and ties the connection to ctx.
func (r *Relay) dialConn(ctx context.Context) (net.Conn, error) {
	conn, err := r.dial(ctx, "tcp", r.cfg.Addr())
	if err != nil {
		return nil, classify(ctx, StageConnect, err)
	}
	deadline, _ := ctx.Deadline() // always set: Send adds the timeout
	c := &ctxConn{Conn: conn, deadline: deadline}
	c.stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
	if err := conn.SetDeadline(deadline); err != nil {
		_ = c.Close()
		return nil, classify(ctx, StageConnect, err)
	}
	return c, nil
}

// ctxConn keeps every read and write within the context: go-smtp sets and
// clears deadlines per command, so each deadline it sets (including "none")
// is capped at the context's, and cancelling the context closes the
// connection.
type ctxConn struct {
	net.Conn
	deadline time.Time
	stop     func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func (c *ctxConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.capped(t)) }
func (c *ctxConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.capped(t)) }
func (c *ctxConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.capped(t)) }

func (c *ctxConn) capped(t time.Time) time.Time {
	if t.IsZero() || t.After(c.deadline) {
		return c.deadline
	}
	return t
}
