package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// showGone is the one page for a link that cannot be used: unknown,
// expired, withdrawn or never released alike, with the same status, so
// the answer tells nothing about whether the link ever existed.
func (s *Server) showGone(c echo.Context) error {
	return c.Render(http.StatusNotFound, "recipient_gone", s.base(c, "recipient.gone.title"))
}

// closedView is a withdrawn or expired message, to the verified recipient.
type closedView struct {
	baseView
	Revoked bool
	Date    string
}

// showClosed tells a verified recipient that the message was withdrawn or
// has expired, and shows nothing of it.
func (s *Server) showClosed(c echo.Context, r *recipientCtx) error {
	revoked := r.msg.State == "revoked"
	title := "recipient.closed.expired_title"
	if revoked {
		title = "recipient.closed.revoked_title"
	}
	v := closedView{baseView: s.base(c, title), Revoked: revoked}
	v.Date = dateTime(r.msg.ExpiresAt, v.Lang)
	return c.Render(http.StatusGone, "recipient_closed", v)
}
