package portal

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// Audit events of things that are not admin actions: sign-in, failed
// sign-in, draft release and revoke. Each is one call from the handler
// that does the thing; the recipient lock is audited inside portal/verify's
// lock transaction. A failure to write the event is an error of the
// request, never swallowed: an unaudited action must not look like success.

// auditSignIn records a password or second-factor step: ok (with the
// stage reached) or failed. A failed attempt is recorded in the
// organisation the address belongs to (by user or by domain); one for an
// address no organisation knows has no log to go to and is only counted
// by the sign-in limits. The typed address is kept only when it is a
// user's, so that a password typed in the address field is not stored.
func (s *Server) auditSignIn(c echo.Context, kind, email string, in auth.SignIn, err error) error {
	ctx := c.Request().Context()
	e := db.AuditEvent{Kind: kind, IP: c.RealIP(), At: s.now().UTC()}
	if err == nil {
		e.OrgID, e.ActorID, e.Actor, e.Target, e.After = in.User.OrgID, in.User.ID, actorOf(&in.User), actorOf(&in.User), "stage="+in.Stage
		return s.store.AppendAudit(ctx, e)
	}
	if _, _, answer := s.signInError(c, err); !answer {
		return nil // a fault, not an answer: the error handler logs it
	}
	e.Kind, e.Outcome, e.Actor, e.Detail = kind+".failed", db.OutcomeFailed, "anonymous", failureKind(err)
	if u, lerr := s.store.UserByAddress(ctx, email); lerr == nil {
		e.OrgID, e.Target = u.OrgID, actorOf(&u)
	} else if org, lerr := s.store.OrgByDomain(ctx, db.DomainOf(email)); lerr == nil {
		e.OrgID, e.Target = org.ID, "unknown address at "+db.DomainOf(email)
	} else {
		return nil
	}
	return s.store.AppendAudit(ctx, e)
}

func failureKind(err error) string {
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &te):
		return "throttled"
	case errors.Is(err, auth.ErrBadCredentials):
		return "wrong address or password"
	case errors.Is(err, auth.ErrBadCode), errors.Is(err, auth.ErrCodeReplayed):
		return "wrong code"
	case errors.Is(err, auth.ErrFactorLocked):
		return "second factor locked"
	}
	return "refused"
}

// auditPasskeySignIn records a sign-in with a passkey, which is both
// factors in one step; it is written before the session starts, so a
// sign-in that cannot be audited does not happen.
func (s *Server) auditPasskeySignIn(c echo.Context, in auth.SignIn) error {
	e := db.AuditEvent{Kind: "signin", IP: c.RealIP(), At: s.now().UTC(), OrgID: in.User.OrgID, ActorID: in.User.ID,
		Actor: actorOf(&in.User), Target: actorOf(&in.User), After: "stage=" + in.Stage, Detail: "passkey"}
	return s.store.AppendAudit(c.Request().Context(), e)
}

// auditSecondFactor records the second step of signing in.
func (s *Server) auditSecondFactor(c echo.Context, sess *auth.Session, in auth.SignIn, err error) error {
	return s.auditSignIn(c, "signin", sess.User.Email, in, err)
}

// auditSender records a sender's act on one of their messages.
func (s *Server) auditSender(c echo.Context, kind, uid, after string) error {
	e := s.auditEvent(c, kind, "message:"+uid)
	e.After = after
	return s.store.AppendAudit(c.Request().Context(), e)
}

// revokeDetail describes a revoke for the audit log.
func revokeDetail(f revokeForm) string {
	who := "all recipients"
	if f.RecipientID != 0 {
		who = "recipient:" + strconv.FormatInt(f.RecipientID, 10)
	}
	if f.At.IsZero() {
		return who + " now"
	}
	return who + " at " + f.At.UTC().Format("2006-01-02T15:04Z")
}

// actorOf names a user in the audit log.
func actorOf(u *db.User) string {
	if u == nil {
		return "anonymous"
	}
	return "user:" + strconv.FormatInt(u.ID, 10) + " " + u.Email
}

// auditEvent is an event by the signed-in user from this request.
func (s *Server) auditEvent(c echo.Context, kind, target string) db.AuditEvent {
	u := currentUser(c)
	e := db.AuditEvent{Actor: actorOf(u), Kind: kind, Target: target, IP: c.RealIP(), At: s.now().UTC()}
	if u != nil {
		e.OrgID, e.ActorID = u.OrgID, u.ID
	}
	return e
}

// audit records an admin's action and how it ended: ok, or failed with
// the error's kind (never its text, which may hold input).
func (s *Server) audit(c echo.Context, kind, target, before, after string, err error) error {
	e := s.auditEvent(c, kind, target)
	e.Before, e.After = before, after
	if err != nil {
		e.Outcome, e.Detail = db.OutcomeFailed, errorKind(err)
	}
	return s.store.AppendAudit(c.Request().Context(), e)
}

// errorKind is a short, input-free name of an error for the audit log.
func errorKind(err error) string {
	var inv *db.InvalidError
	switch {
	case errors.As(err, &inv):
		return "invalid " + inv.Field + ": " + inv.Reason
	case errors.Is(err, db.ErrNotFound):
		return "not found"
	case errors.Is(err, db.ErrInUse):
		return "in use"
	case errors.Is(err, db.ErrDuplicate):
		return "duplicate"
	}
	return "error"
}
