package intake

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/secret"
)

// authWait is how long an AUTH may wait for a free argon2id slot before the
// client is told to come back later.
const authWait = 5 * time.Second

// dummyHash is what a password is checked against when the address is
// unknown, so that it costs the same argon2id work (at secret.OWASP) as a
// known one. It is the hash of a random password nobody kept.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$SwCCdZARgHwWL1QOLsbyoQ$rRlTklidNkhNtRtwk8qfdNDQzbvowUMQWd1OUXezNRI"

// Replies of AUTH. Unknown addresses, disabled users and wrong passwords all
// get errAuthFailed, so the reply does not tell which addresses exist.
var (
	errAuthFailed = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
		Message: "Authentication credentials invalid"}
	errAuthLocked = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many failed authentication attempts, try again later"}
	errAuthBusy = &smtp.SMTPError{Code: 454, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Temporary authentication failure, try again later"}
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

// authenticate checks one address and password, under the lockouts.
func (s *session) authenticate(identity, username, password string) error {
	srv := s.srv
	addr, ip := addressKey(username), networkKey(s.remote)
	if identity != "" && identity != username {
		return s.authFailed(addr, ip, errAuthFailed) // no acting as someone else
	}
	if srv.limiter.locked(addr, ip) {
		srv.log.Warn("smtp auth refused: locked out", "remote", s.remote.String())
		return s.authFailed("", "", errAuthLocked)
	}
	u, ok, err := srv.checkPassword(username, password)
	if err != nil {
		srv.log.Warn("smtp auth could not be checked", "remote", s.remote.String(), "err", err)
		return errAuthBusy
	}
	if !ok {
		srv.log.Info("smtp auth failed", "remote", s.remote.String())
		return s.authFailed(addr, ip, errAuthFailed)
	}
	srv.limiter.succeed(addr)
	s.mu.Lock()
	s.user = &u
	s.mu.Unlock()
	srv.log.Info("smtp auth ok", "remote", s.remote.String(), "user_id", u.ID, "tls", s.tls)
	return nil
}

// checkPassword looks the address up and runs argon2id whether or not it
// exists, so that time does not tell. It fails only for passing troubles: a
// busy database or no free argon2id slot in time.
func (srv *Server) checkPassword(addr, password string) (db.User, bool, error) {
	ctx, cancel := context.WithTimeout(srv.ctx, authWait)
	defer cancel()
	u, err := srv.opt.Store.UserByAddress(ctx, addr)
	found := err == nil
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return db.User{}, false, err
	}
	hash := dummyHash
	if found {
		hash = u.PasswordHash
	}
	select {
	case srv.authSem <- struct{}{}:
	case <-ctx.Done():
		return db.User{}, false, errors.New("no free argon2id slot in time")
	}
	ok, err := secret.Verify(hash, password)
	<-srv.authSem
	if err != nil && found {
		srv.log.Error("smtp auth: stored password hash unreadable", "user_id", u.ID, "err", err)
	}
	return u, found && ok && err == nil && !u.Disabled, nil
}

// authFailed counts a failed AUTH against the keys and this connection, and
// returns the reply: at once for the first few, then later and later, and
// at connMaxFails a 421 that ends the connection.
func (s *session) authFailed(addr, ip string, reply error) error {
	s.srv.limiter.fail(addr, ip)
	n := s.tc.failAuth()
	if n > connSlowAfter {
		s.srv.sleep(time.Duration(n-connSlowAfter) * time.Second)
	}
	if n >= connMaxFails {
		// go-smtp cannot end a connection from AUTH: write the 421 here and
		// close; its own reply then goes nowhere.
		s.srv.log.Warn("smtp connection closed: too many failed AUTH", "remote", s.remote.String())
		_ = s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = s.conn.Write([]byte("421 4.7.0 Too many failed authentication attempts, closing connection\r\n"))
		_ = s.conn.Close()
	}
	return reply
}
