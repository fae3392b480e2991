package intake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluis/portal/auth"
)

// Failed AUTH on one connection: replies slow down after connSlowAfter
// failures and the connection ends at connMaxFails. Failures per address
// and per client network are counted by auth.Service, in the database.
const (
	connSlowAfter = 3
	connMaxFails  = 5
)

// authWait bounds one AUTH: the limiter's reads and writes, a wait for a
// free argon2id slot, and the delay of a sign-in let through a locked
// address.
const authWait = 15 * time.Second

// Replies of AUTH. Unknown addresses, disabled users and wrong passwords all
// get errAuthFailed, so the reply does not tell which addresses exist.
var (
	errAuthFailed = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
		Message: "Authentication credentials invalid"}
	errAuthLocked = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many failed authentication attempts, try again later"}
	errAuthBusy = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Temporary authentication failure, try again later"}
	errTooManyFails = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many failed authentication attempts, closing connection"}
	errNeedTLS = &smtp.SMTPError{Code: 538, EnhancedCode: smtp.EnhancedCode{5, 7, 11},
		Message: "Encryption required: issue STARTTLS first"}
)

// authAllowed decides whether AUTH may be offered: passwords cross the
// network only inside TLS, unless the peer is on this host or the operator
// allowed plaintext (demo mode).
func authAllowed(isTLS, insecureAuth, loopback bool) bool {
	return isTLS || insecureAuth || loopback
}

func (s *session) authOK() bool {
	return authAllowed(s.tls, s.srv.opt.InsecureAuth, s.srv.isLoopback(s.remote))
}

// AuthMechanisms lists PLAIN and LOGIN when AUTH is allowed, else nothing.
func (s *session) AuthMechanisms() []string {
	if !s.authOK() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth starts one SASL exchange.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if !s.authOK() {
		return nil, errNeedTLS
	}
	switch mech {
	case sasl.Plain:
		return strictSASL{sasl.NewPlainServer(s.authenticate)}, nil
	case sasl.Login:
		return &loginServer{authenticate: s.authenticate}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// authenticate checks one address and password through auth.Service,
// under the limits the web sign-in shares.
func (s *session) authenticate(identity, username, password string) error {
	srv := s.srv
	if identity != "" && identity != username {
		return s.authFailed(errAuthFailed) // no acting as someone else
	}
	ctx, cancel := context.WithTimeout(srv.ctx, authWait)
	defer cancel()
	u, err := srv.opt.Auth.CheckPassword(ctx, username, password, remoteIP(s.remote))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		srv.log.Warn("smtp auth refused: locked out", "remote", s.remote.String())
		return s.authFailed(errAuthLocked)
	case errors.Is(err, auth.ErrBadCredentials):
		srv.log.Info("smtp auth failed", "remote", s.remote.String())
		return s.authFailed(errAuthFailed)
	case err != nil:
		srv.log.Warn("smtp auth could not be checked", "remote", s.remote.String(), "err", err)
		return errAuthBusy
	}
	s.mu.Lock()
	s.user = &u
	s.mu.Unlock()
	srv.log.Info("smtp auth ok", "remote", s.remote.String(), "user_id", u.ID, "tls", s.tls)
	return nil
}

// authFailed counts a failed AUTH on this connection and returns the
// reply: at once for the first few, then later and later, and at
// connMaxFails a 421 that ends the connection.
func (s *session) authFailed(reply error) error {
	n := s.tc.failAuth()
	if n > connSlowAfter {
		s.srv.sleep(time.Duration(n-connSlowAfter) * time.Second)
	}
	if n >= connMaxFails {
		s.srv.log.Warn("smtp connection closed: too many failed AUTH", "remote", s.remote.String())
		s.closeWith(errTooManyFails)
	}
	return reply
}

// closeWith writes a last reply and closes the connection. go-smtp cannot
// end a connection from a command's handler: the reply it then writes for
// the handler's error goes nowhere.
func (s *session) closeWith(reply *smtp.SMTPError) {
	e := reply.EnhancedCode
	_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = fmt.Fprintf(s.conn, "%d %d.%d.%d %s\r\n", reply.Code, e[0], e[1], e[2], reply.Message)
	_ = s.conn.Close()
}

// remoteIP is the client's IP address, as the limiter's network key wants.
func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	return a.String()
}
