package portal

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/portal/devbox"
	"sluis/portal/mailhtml"
	"sluis/portal/mime"
)

// outboxRow is one kept mail or text as the dev outbox page lists it.
type outboxRow struct {
	ID, From, To, Subject string
	Time                  time.Time
}

type outboxView struct {
	baseView
	Configured bool
	Items      []outboxRow
}

// outboxMessageView is one kept mail shown as its recipient would see it
// (the HTML part sanitized as a recipient's message is, links clickable),
// or one text with its code; the raw source stays one click away.
type outboxMessageView struct {
	baseView
	ID, Raw             string
	Text                bool // an SMS rather than a mail
	From, To, Subject   string
	HTMLBody, PlainBody template.HTML
}

// listOutbox lists the kept mail and texts, newest first.
func (s *Server) listOutbox(c echo.Context) error {
	v := outboxView{baseView: s.base(c, "outbox.title"), Configured: s.outbox != nil}
	if s.outbox == nil {
		return c.Render(http.StatusOK, "outbox", v)
	}
	items, err := s.outbox.List()
	if err != nil {
		return fmt.Errorf("listing the dev outbox: %w", err)
	}
	for _, it := range items {
		row := outboxRow{ID: it.ID, Time: it.Time, From: it.From, To: strings.Join(it.To, ", "), Subject: it.Subject}
		if it.Kind == devbox.Text {
			row.From, row.Subject = "SMS", "SMS: "+it.Body
		}
		v.Items = append(v.Items, row)
	}
	return c.Render(http.StatusOK, "outbox", v)
}

// showOutboxMessage shows one kept mail or text as it reads.
func (s *Server) showOutboxMessage(c echo.Context) error {
	if s.outbox == nil {
		return echo.ErrNotFound
	}
	id := c.Param("id")
	it, raw, err := s.outbox.Get(id)
	if errors.Is(err, devbox.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("reading dev outbox item %q: %w", id, err)
	}
	v := outboxMessageView{baseView: s.base(c, "outbox.raw"), ID: id, Raw: strings.ToValidUTF8(string(raw), "\uFFFD"),
		Text: it.Kind == devbox.Text, From: it.From, To: strings.Join(it.To, ", "), Subject: it.Subject}
	if v.Text {
		v.From, v.PlainBody = "SMS", mailhtml.Text(it.Body)
		return c.Render(http.StatusOK, "outbox_message", v)
	}
	// A mail the dev outbox kept is Sluis's own; one that does not parse
	// is still shown raw below.
	if m, err := mime.Parse(bytes.NewReader(raw), mime.DefaultLimits(), nil); err == nil {
		v.PlainBody = mailhtml.Text(m.Text)
		if m.HTML != "" {
			v.HTMLBody = mailhtml.Sanitize(m.HTML, mailhtml.Options{}).HTML
		}
	}
	return c.Render(http.StatusOK, "outbox_message", v)
}
