package portal

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Outbox is the dev outbox the portal shows in dev and demo mode: the mail
// Sluis kept instead of sending it.
type Outbox interface {
	List() ([]OutboxItem, error)
	Read(id string) ([]byte, error)
}

// OutboxItem summarises one kept message.
type OutboxItem struct {
	ID      string
	Time    time.Time
	From    string
	To      []string
	Subject string
}

// ErrOutboxNotFound is what an Outbox's Read returns, possibly wrapped, for
// an id it does not hold (fs.ErrNotExist is understood too).
var ErrOutboxNotFound = errors.New("no such outbox message")

// maxOutboxID bounds the ids the portal passes to the Outbox at all.
const maxOutboxID = 128

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

// listOutbox lists the kept messages, newest first as the Outbox orders them.
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
		v.Items = append(v.Items, outboxRow{ID: it.ID, Time: it.Time, From: it.From, To: strings.Join(it.To, ", "), Subject: it.Subject})
	}
	return c.Render(http.StatusOK, "outbox", v)
}

// showOutboxMessage shows one kept message as raw, escaped text.
func (s *Server) showOutboxMessage(c echo.Context) error {
	id := c.Param("id")
	if s.outbox == nil || !plausibleOutboxID(id) {
		return echo.ErrNotFound
	}
	raw, err := s.outbox.Read(id)
	if errors.Is(err, ErrOutboxNotFound) || errors.Is(err, fs.ErrNotExist) {
		return echo.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("reading dev outbox message %q: %w", id, err)
	}
	v := outboxMessageView{baseView: s.base(c, "outbox.raw"), ID: id, Raw: strings.ToValidUTF8(string(raw), "\uFFFD")}
	return c.Render(http.StatusOK, "outbox_message", v)
}

// plausibleOutboxID admits short ids of letters, digits, '.', '-' and '_'
// not starting with '.'; the Outbox checks its own format besides.
func plausibleOutboxID(id string) bool {
	if id == "" || len(id) > maxOutboxID || id[0] == '.' {
		return false
	}
	for _, r := range id {
		ok := r == '.' || r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}
