package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/secret"
	"sluis/portal/verify"
)

// The recipient portal lives under /m/<token>: the link of a notification
// mail. The token is the only key a recipient has; the database knows only
// its hash. Every route first resolves it (loadRecipient), and an
// unknown, held or superseded link gets one neutral page that does not
// say whether it ever existed. Reading needs a recipient session, whose
// cookie is scoped to this link's path: it is never even sent with
// another recipient's link, and the server checks the binding anyway.

const (
	keyRecipient      = "sluis.recipient"
	recipientCookie   = "rsession"
	tokenLen          = 43 // 32 bytes, unpadded base64url
	replyRoute        = "/m/:token/reply"
	recipientRootPath = "/m/"
)

// recipientCtx is what the recipient routes share.
type recipientCtx struct {
	token   string
	rc      db.Recipient
	msg     db.Message
	session bool // the request carries this recipient's live session
}

// base is the link's path, /m/<token>.
func (r *recipientCtx) base() string { return recipientRootPath + r.token }

// closed reports whether the message can no longer be read by this
// recipient: the message is withdrawn or expired, or the sender revoked
// this recipient alone.
func (r *recipientCtx) closed(s *Server) bool { return delivery.Closed(r.msg, r.rc, s.now()) }

// loadRecipient resolves the link; what cannot be a readable recipient's
// link gets the neutral page, with no hint of why.
func (s *Server) loadRecipient(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		if len(token) != tokenLen {
			return s.showGone(c)
		}
		rc, msg, err := s.store.RecipientByTokenWithMessage(c.Request().Context(), secret.HashToken(token))
		if errors.Is(err, db.ErrNotFound) {
			return s.showGone(c)
		}
		if err != nil {
			return err
		}
		if msg.State == db.StateHeld || msg.State == db.StateSuperseded || rc.Method == db.MethodNone {
			return s.showGone(c)
		}
		r := &recipientCtx{token: token, rc: rc, msg: msg}
		if r.session, err = s.recipientSession(c, rc); err != nil {
			return err
		}
		if rc.Method == db.MethodSignIn { // internal: the user's own session (recipient_internal.go)
			if r.session, err = s.signedInReader(c, rc); err != nil {
				return err
			}
		}
		c.Set(keyRecipient, r)
		return next(c)
	}
}

// recipientSession reports whether the request carries a live session of
// exactly this recipient.
func (s *Server) recipientSession(c echo.Context, rc db.Recipient) (bool, error) {
	ck, err := c.Request().Cookie(recipientCookie)
	if err != nil {
		return false, nil
	}
	sess, err := s.verify.Session(c.Request().Context(), ck.Value)
	if errors.Is(err, verify.ErrNoSession) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return sess.Opens(rc), nil
}

func recipientOf(c echo.Context) *recipientCtx {
	r, _ := c.Get(keyRecipient).(*recipientCtx)
	return r
}

// requireRecipientSession sends a visitor without this recipient's
// session to the landing page, and shows a closed message's state (and
// nothing of it) to one with a session.
func (s *Server) requireRecipientSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := recipientOf(c)
		if !r.session {
			return s.refuseReader(c, r)
		}
		if r.closed(s) {
			return s.showClosed(c, r)
		}
		return next(c)
	}
}

// setRecipientCookie sets the session cookie on the link's path only.
func (s *Server) setRecipientCookie(c echo.Context, r *recipientCtx, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: recipientCookie, Value: value, Path: r.base(), MaxAge: maxAge,
		Secure: s.secureCookies, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if value != "" && maxAge >= 0 {
		s.bindCSRF(c, "recipient", value)
	}
}

// redirectLanding answers a GET of a form's address with the landing page.
func (s *Server) redirectLanding(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, recipientOf(c).base())
}
