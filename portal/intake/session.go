package intake

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/auth"
)

// session is one go-smtp session: from EHLO (or STARTTLS) to the end of the
// connection.
type session struct {
	srv    *Server
	conn   net.Conn     // as go-smtp sees it: TLS after STARTTLS
	tc     *trackedConn // the TCP connection under it
	tls    bool
	remote net.Addr

	// mu guards what follows: with BDAT, go-smtp runs Data on its own
	// goroutine, and Reset may run while it finishes.
	mu    sync.Mutex
	user  *db.User
	own   ownAddresses
	from  string
	rcpts []string
	seen  map[string]bool
}

// Replies of the envelope checks.
var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errNestedMail   = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "Nested MAIL command"}
	errBadSender    = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad sender address syntax"}
	errBadRcpt      = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax"}
	errNotYours     = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Sender address rejected: send from your own address or one of your aliases"}
	// errSignedOut is the last reply on a connection whose user was
	// disabled, or got a new password, after it signed in.
	errSignedOut = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Your account was disabled or its password changed since you signed in: connect and sign in again"}
	errLookup = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary failure, please try again later"}
)

// Mail starts a transaction for the signed-in user's own address.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.user == nil:
		return errAuthRequired
	case s.from != "":
		return errNestedMail
	}
	addr, err := db.NormalizeAddress(from)
	if err != nil {
		return errBadSender
	}
	if err := s.recheck(); err != nil {
		return err
	}
	own, err := s.srv.ownAddresses(*s.user)
	if err != nil {
		s.srv.log.Error("smtp: loading aliases", "user_id", s.user.ID, "err", err)
		return errLookup
	}
	stored, ok := own.find(addr)
	if !ok {
		return errNotYours
	}
	s.from, s.own = stored, own
	return nil
}

// recheck reads the signed-in user again, since the connection signed in
// once and may outlive a change: a user disabled, or with a new password,
// since then is signed out and the connection ends. Called with mu held.
func (s *session) recheck() error {
	ctx, cancel := context.WithTimeout(s.srv.ctx, 10*time.Second)
	defer cancel()
	u, err := s.srv.opt.Auth.Recheck(ctx, *s.user)
	switch {
	case errors.Is(err, auth.ErrSignedOut):
		s.srv.log.Info("smtp connection signed out: the account changed", "remote", s.remote.String(), "user_id", s.user.ID)
		s.user = nil
		s.closeWith(errSignedOut)
		return errSignedOut
	case err != nil:
		s.srv.log.Error("smtp: reading the signed-in user", "user_id", s.user.ID, "err", err)
		return errLookup
	}
	s.user = &u
	return nil
}

// Rcpt adds a recipient; repeats are accepted once.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.user == nil || s.from == "" {
		return errAuthRequired
	}
	addr, err := db.NormalizeAddress(to)
	if err != nil {
		return errBadRcpt
	}
	if s.seen[addr] {
		return nil
	}
	if len(s.rcpts) >= s.srv.opt.MaxRecipients {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "Too many recipients"}
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[addr] = true
	s.rcpts = append(s.rcpts, addr)
	return nil
}

// Reset ends the transaction. go-smtp calls it after writing the reply to
// DATA, which is when a close that waited for that reply may happen.
func (s *session) Reset() {
	s.mu.Lock()
	s.from, s.rcpts, s.seen, s.own = "", nil, nil, nil
	s.mu.Unlock()
	s.tc.endTransaction()
}

// Logout ends the session; the connection is closed by go-smtp.
func (s *session) Logout() error { return nil }

// ownAddresses are a user's address and aliases, as stored, by their
// lower-case form.
//
// They are compared without regard to case: RFC 5321 lets a host treat
// local parts as case-sensitive, but no mail system here does, and mail
// programs write JAN@VOORBEELD.TEST for jan@voorbeeld.test. The store keeps
// addresses unique in any case (db.Store.addressFree), so no one else's
// address can match.
type ownAddresses map[string]string

// find returns the stored form of addr if it is one of the user's.
func (o ownAddresses) find(addr string) (string, bool) {
	stored, ok := o[strings.ToLower(addr)]
	return stored, ok
}

// ownAddresses returns the user's address and aliases.
func (srv *Server) ownAddresses(u db.User) (ownAddresses, error) {
	ctx, cancel := context.WithTimeout(srv.ctx, 10*time.Second)
	defer cancel()
	aliases, err := srv.opt.Store.Aliases(ctx, u.OrgID, u.ID)
	if err != nil {
		return nil, err
	}
	own := ownAddresses{}
	for _, a := range append(aliases, u.Email) {
		if n, err := db.NormalizeAddress(a); err == nil {
			own[strings.ToLower(n)] = n
		}
	}
	return own, nil
}
