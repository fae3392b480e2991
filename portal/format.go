package portal

import (
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/portal/i18n"
)

// Formatting for people: moments and durations, in the page's language
// and the organisation's zone (portal/i18n holds the one date formatter).

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

// when writes a moment in the request's language; "" for the zero time.
func (s *Server) when(c echo.Context, t time.Time) string {
	return i18n.DateTime(s.lang(c), t)
}
