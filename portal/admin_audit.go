package portal

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/i18n"
)

// auditKinds are the kinds the filter offers, every kind the log holds
// (a value ending in "." is every kind under it).
var auditKinds = []string{"policy.", "unit.", "user.", "signin", "signin.failed", "draft.release", "message.revoke",
	"recipient.", "book.", "apikey.", "api.", "audit.export", "look.change", "proof.", "device.", "number.", "channel."}

// kindChoice is one entry of the kind filter.
type kindChoice struct{ Value, Label string }

// auditView is the audit log page.
type auditView struct {
	baseView
	Filter auditFilter
	Kinds  []kindChoice
	Events []auditRow
	Error  *fieldError
	when   func(time.Time) string
}

// When writes a moment in the page's language.
func (v auditView) When(t time.Time) string { return v.when(t) }

// auditFilter is the filter form: dates (inclusive, Amsterdam time), part
// of the actor, a kind.
type auditFilter struct {
	From, To, Actor, Kind string
}

// readAuditFilter reads the filter; the key of a translated error, or "".
func readAuditFilter(c echo.Context) (auditFilter, db.AuditQuery, string) {
	f := auditFilter{From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to")),
		Actor: strings.TrimSpace(c.QueryParam("actor")), Kind: strings.TrimSpace(c.QueryParam("kind"))}
	if len(f.Actor) > 200 || len(f.Kind) > 100 {
		return auditFilter{}, db.AuditQuery{}, "admin.error.bad_filter"
	}
	q := db.AuditQuery{Actor: f.Actor, Kind: f.Kind}
	var err error
	if f.From != "" {
		if q.From, err = time.ParseInLocation("2006-01-02", f.From, i18n.Zone()); err != nil {
			return f, q, "admin.error.bad_date"
		}
	}
	if f.To != "" {
		if q.To, err = time.ParseInLocation("2006-01-02", f.To, i18n.Zone()); err != nil {
			return f, q, "admin.error.bad_date"
		}
		q.To = q.To.AddDate(0, 0, 1) // the whole day
	}
	return f, q, ""
}

// showAudit shows the newest 200 events that match the filter. The page
// only reads: no page or API changes or removes an event.
func (s *Server) showAudit(c echo.Context) error {
	f, q, key := readAuditFilter(c)
	v := auditView{baseView: s.base(c, "admin.audit.title"), Filter: f,
		when: func(t time.Time) string { return s.when(c, t) }}
	for _, k := range auditKinds {
		v.Kinds = append(v.Kinds, kindChoice{k, s.t(c, "pages.audit.filter."+strings.NewReplacer(".", "_").Replace(strings.TrimSuffix(k, ".")))})
	}
	if key != "" {
		v.Error = &fieldError{Field: "from", Text: s.t(c, key)}
		return c.Render(http.StatusUnprocessableEntity, "admin_audit", v)
	}
	q.Limit = 200
	events, err := s.store.AuditEvents(c.Request().Context(), currentUser(c).OrgID, q)
	if err != nil {
		return err
	}
	names, err := s.loadAuditNames(c)
	if err != nil {
		return err
	}
	for _, e := range events {
		v.Events = append(v.Events, s.auditWords(c, e, names))
	}
	return c.Render(http.StatusOK, "admin_audit", v)
}

// auditEventView is one event on its own page.
type auditEventView struct {
	baseView
	Event auditRow
	When  string
}

// showAuditEvent shows one event of the admin's organisation: in words,
// and as recorded.
func (s *Server) showAuditEvent(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	events, err := s.store.AuditEvents(c.Request().Context(), currentUser(c).OrgID, db.AuditQuery{ID: id, Limit: 1})
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	names, err := s.loadAuditNames(c)
	if err != nil {
		return err
	}
	v := auditEventView{baseView: s.base(c, "pages.audit.event_title"), Event: s.auditWords(c, events[0], names), When: s.when(c, events[0].At)}
	return c.Render(http.StatusOK, "admin_audit_event", v)
}

// exportAudit answers the matching events (at most 10,000) as CSV.
func (s *Server) exportAudit(c echo.Context) error {
	_, q, key := readAuditFilter(c)
	if key != "" {
		return echo.NewHTTPError(http.StatusBadRequest, "bad filter")
	}
	q.Limit = 10000
	events, err := s.store.AuditEvents(c.Request().Context(), currentUser(c).OrgID, q)
	if err != nil {
		return err
	}
	if err := s.audit(c, "audit.export", "audit log", "", strconv.Itoa(len(events))+" events", nil); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="sluis-audit.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	if err := writeAuditCSV(w, events); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// writeAuditCSV writes a header row and one row per event.
func writeAuditCSV(w *csv.Writer, events []db.AuditEvent) error {
	if err := w.Write([]string{"id", "time", "actor", "kind", "target", "ip", "outcome", "before", "after", "detail"}); err != nil {
		return err
	}
	for _, e := range events {
		row := []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), e.Actor, e.Kind, e.Target, e.IP,
			e.Outcome, e.Before, e.After, e.Detail}
		for i := range row {
			row[i] = auditCell(row[i])
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return nil
}

// auditCell defuses formula injection (OWASP "CSV injection"): a cell that
// a spreadsheet would read as a formula gets a leading apostrophe, so it
// is shown as text. encoding/csv does the quoting.
func auditCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
