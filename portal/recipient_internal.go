package portal

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// An internal recipient (a user of the organisation) reads after signing
// in, not with a code: their link leads to sign-in, which returns to the
// message (the next parameter, kept safe by redirect.go), and the
// session that opens it is the user's own. Another signed-in user gets
// the neutral "this link does not work" page, as for an unknown link.

// signedInReader reports whether the request's user is this internal
// recipient.
func (s *Server) signedInReader(c echo.Context, rc db.Recipient) (bool, error) {
	return s.delivery.SignedInReader(c.Request().Context(), currentUser(c), rc)
}

// refuseReader answers a request without this recipient's session: an
// internal recipient's link leads to sign-in (or, for another signed-in
// user, to the neutral page); an external one's to its landing page.
func (s *Server) refuseReader(c echo.Context, r *recipientCtx) error {
	if r.rc.Method != db.MethodSignIn {
		return c.Redirect(http.StatusSeeOther, r.base())
	}
	if currentUser(c) != nil {
		return s.showGone(c)
	}
	if sess := authSession(c); sess != nil {
		return s.redirectToSignIn(c) // half-way through signing in: its next step
	}
	return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(r.base()+"/read"))
}

// visit names who reads, for delivery's audit events.
func (s *Server) visit(c echo.Context, r *recipientCtx) delivery.Visit {
	v := delivery.Visit{IP: c.RealIP()}
	if r.rc.Method == db.MethodSignIn {
		v.User = currentUser(c)
	}
	return v
}
