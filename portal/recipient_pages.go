package portal

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/portal/i18n"
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

// dateTime writes a moment the way each language does.
func dateTime(t time.Time, lang string) string { return i18n.DateTime(lang, t) }

// clock is the time of day of t, "" for the zero time.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return i18n.Local(t).Format("15:04")
}

// wait writes a short duration for people: "40 s", "12 min".
func wait(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	}
	return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
}
