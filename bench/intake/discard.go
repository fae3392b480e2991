package main

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// discard is a go-smtp server that takes any AUTH PLAIN and every message,
// reads it and throws it away: the ceiling of the protocol here.
type discard struct {
	addr  string
	srv   *smtp.Server
	count atomic.Int64
}

func startDiscard() (*discard, error) {
	d := &discard{}
	d.srv = smtp.NewServer(d)
	d.srv.Domain = "discard.test"
	d.srv.AllowInsecureAuth = true
	d.srv.MaxMessageBytes = 1 << 30
	d.srv.MaxRecipients = 100
	d.srv.ReadTimeout, d.srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.addr = ln.Addr().String()
	go func() { _ = d.srv.Serve(ln) }()
	return d, nil
}

func (d *discard) close() { _ = d.srv.Close() }

// NewSession implements smtp.Backend.
func (d *discard) NewSession(*smtp.Conn) (smtp.Session, error) { return discardSession{d}, nil }

type discardSession struct{ d *discard }

func (discardSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (discardSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, _ string) error { return nil }), nil
}

func (discardSession) Mail(string, *smtp.MailOptions) error { return nil }
func (discardSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (s discardSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.d.count.Add(1)
	return nil
}

func (discardSession) Reset()        {}
func (discardSession) Logout() error { return nil }
