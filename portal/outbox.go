package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/portal/devbox"
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

type outboxMessageView struct {
	baseView
	ID, Raw string
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

// showOutboxMessage shows one kept mail or text as raw, escaped text.
func (s *Server) showOutboxMessage(c echo.Context) error {
	if s.outbox == nil {
		return echo.ErrNotFound
	}
	id := c.Param("id")
	raw, err := s.outbox.Read(id)
	if errors.Is(err, devbox.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("reading dev outbox item %q: %w", id, err)
	}
	v := outboxMessageView{baseView: s.base(c, "outbox.raw"), ID: id, Raw: strings.ToValidUTF8(string(raw), "\uFFFD")}
	return c.Render(http.StatusOK, "outbox_message", v)
}
