package portal

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/i18n"
)

// sentRow is one message of the sent list.
type sentRow struct {
	UID, Subject, State, Created string
	Held                         bool
	Repaired                     bool // the parser repaired its structure
	Recipients                   []db.RecipientStatus
}

// sentView is the list of the sender's messages: the held drafts first,
// then one page of the others, filtered and searched.
type sentView struct {
	baseView
	Held     []sentRow // drafts waiting for the sender, on the first page
	Messages []sentRow
	Filter   sentFilter
	Filters  []string
	PrevURL  string
	NextURL  string
	Page     int
	Notice   string
	when     func(time.Time) string
}

// When writes a moment in the page's language; "" for the zero time.
func (v sentView) When(t time.Time) string { return v.when(t) }

// sentPageSize is how many messages one page of the list shows.
const sentPageSize = 25

// sentStates maps the list's filters to message states.
var sentStates = map[string][]string{
	"all":     {db.StateReleased, db.StateRevoked, db.StateExpired, db.StateSuperseded},
	"held":    {db.StateHeld},
	"sent":    {db.StateReleased},
	"revoked": {db.StateRevoked},
	"expired": {db.StateExpired},
}

// sentFilter is the list's query: a filter, a search text, a page.
type sentFilter struct {
	State, Search string
	Page          int
}

func readSentFilter(c echo.Context) sentFilter {
	f := sentFilter{State: c.QueryParam("state"), Search: strings.TrimSpace(c.QueryParam("q")), Page: 1}
	if _, ok := sentStates[f.State]; !ok {
		f.State = "all"
	}
	if len(f.Search) > 200 {
		f.Search = f.Search[:200]
	}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && n <= 1000 {
		f.Page = n
	}
	return f
}

// url is the list's address for f with another page.
func (f sentFilter) url(page int) string {
	q := url.Values{}
	if f.State != "all" {
		q.Set("state", f.State)
	}
	if f.Search != "" {
		q.Set("q", f.Search)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/messages"
	}
	return "/messages?" + q.Encode()
}

// listMessages shows the sender's messages, newest first, each recipient
// with its status: held drafts on top with their "finish sending" link,
// then a page of the others in the chosen filter and search.
func (s *Server) listMessages(c echo.Context) error {
	ctx, u, f := c.Request().Context(), currentUser(c), readSentFilter(c)
	v := sentView{baseView: s.base(c, "sent.title"), Filter: f, Filters: []string{"all", "held", "sent", "revoked", "expired"},
		Page: f.Page, Notice: noticeText(s, c), when: func(t time.Time) string { return s.when(c, t) }}
	if f.State == "all" && f.Page == 1 {
		held, err := s.delivery.FindSenderMessages(ctx, *u, db.SentQuery{States: sentStates["held"], Limit: 50}, f.Search)
		if err != nil {
			return err
		}
		if v.Held, err = s.sentRows(c, held); err != nil {
			return err
		}
	}
	q := db.SentQuery{States: sentStates[f.State], Limit: sentPageSize + 1, Offset: (f.Page - 1) * sentPageSize}
	msgs, err := s.delivery.FindSenderMessages(ctx, *u, q, f.Search)
	if err != nil {
		return err
	}
	if len(msgs) > sentPageSize {
		msgs, v.NextURL = msgs[:sentPageSize], f.url(f.Page+1)
	}
	if f.Page > 1 {
		v.PrevURL = f.url(f.Page - 1)
	}
	if v.Messages, err = s.sentRows(c, msgs); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "sender_messages", v)
}

func (s *Server) sentRows(c echo.Context, msgs []delivery.OwnMessage) ([]sentRow, error) {
	rows := make([]sentRow, 0, len(msgs))
	for _, m := range msgs {
		row, err := s.sentRow(c, m)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (s *Server) sentRow(c echo.Context, m delivery.OwnMessage) (sentRow, error) {
	rs, err := s.store.RecipientStatuses(c.Request().Context(), m.OrgID, m.ID)
	return sentRow{UID: m.UID, Subject: m.Subject, State: m.State, Created: s.when(c, m.CreatedAt),
		Held: m.State == db.StateHeld, Repaired: m.Defects != "", Recipients: rs}, err
}

// messageView is one message's status page.
type sentMessageView struct {
	baseView
	sentRow
	Revocable bool
	Replies   []replyRow
	Notice    string
	Now       string // for the date-time input's minimum
	Error     *fieldError
	Revoke    revokeForm               // what was chosen, when the form comes back
	Receipts  map[int64]db.ReadReceipt // by recipient id (receipts_pages.go)
	when      func(time.Time) string
}

// When writes a moment in the page's language; "" for the zero time.
func (v sentMessageView) When(t time.Time) string { return v.when(t) }

// showSentMessage shows one message's status per recipient, its replies,
// and the revoke controls.
func (s *Server) showSentMessage(c echo.Context) error {
	v, err := s.sentMessagePage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "sender_message", v)
}

func (s *Server) sentMessagePage(c echo.Context) (sentMessageView, error) {
	msg, subject, err := s.loadDraft(c)
	if err != nil {
		return sentMessageView{}, err
	}
	row, err := s.sentRow(c, delivery.OwnMessage{Message: msg, Subject: subject})
	if err != nil {
		return sentMessageView{}, err
	}
	v := sentMessageView{baseView: s.base(c, "sent.message_title"), sentRow: row, Revocable: msg.State == db.StateReleased,
		Notice: noticeText(s, c), Now: s.now().In(i18n.Zone()).Format("2006-01-02T15:04"), when: func(t time.Time) string { return s.when(c, t) }}
	if v.Receipts, err = s.store.ReadReceipts(c.Request().Context(), msg.OrgID, msg.ID); err != nil {
		return sentMessageView{}, err
	}
	v.Replies, err = s.replyRows(c, msg)
	return v, err
}

// revokeForm is the posted revoke form: whom (a recipient id, or "all")
// and when ("now", or a local date and time). Nothing is preselected on
// the page: both must be chosen.
type revokeForm struct {
	Who, When, AtInput string // as posted, for the confirmation step
	RecipientID        int64
	At                 time.Time
	Confirmed          bool // the second step: "This cannot be undone"
}

func readRevokeForm(c echo.Context, now time.Time) (revokeForm, string, string) {
	f := revokeForm{Who: c.FormValue("recipient"), When: c.FormValue("when"), AtInput: strings.TrimSpace(c.FormValue("at")),
		Confirmed: c.FormValue("confirm") == "yes"}
	if f.Who != "all" {
		id, err := strconv.ParseInt(f.Who, 10, 64)
		if err != nil || id <= 0 {
			return f, "revoke-who", "revoke.bad_recipient"
		}
		f.RecipientID = id
	}
	switch f.When {
	case "now":
		return f, "", ""
	case "later":
	default:
		return f, "revoke-when", "pages.revoke.choose_when"
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", f.AtInput, i18n.Zone())
	if err != nil || !at.After(now) {
		return f, "revoke-at", "revoke.bad_time"
	}
	f.At = at
	return f, "", ""
}

// revokeConfirmView is the second step of a revoke: what will happen,
// that it cannot be undone, and the button that does it.
type revokeConfirmView struct {
	baseView
	UID, Subject string
	Form         revokeForm
	Whom, When   string
}

// revokeMessage revokes the message for one recipient or all, now or
// later. The first post (scope and time chosen) only shows what will
// happen; the revoke is done by the second, confirmed one.
func (s *Server) revokeMessage(c echo.Context) error {
	form, field, problem := readRevokeForm(c, s.now())
	if problem != "" {
		v, err := s.sentMessagePage(c)
		if err != nil {
			return err
		}
		v.Error, v.Revoke = &fieldError{Field: field, Text: s.t(c, problem)}, form
		return c.Render(http.StatusUnprocessableEntity, "sender_message", v)
	}
	if !form.Confirmed {
		return s.confirmRevoke(c, form)
	}
	err := s.delivery.Revoke(c.Request().Context(), *currentUser(c), c.Param("uid"), form.RecipientID, form.At)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case errors.Is(err, delivery.ErrNotRevocable):
		return echo.NewHTTPError(http.StatusConflict, "not revocable")
	case err != nil:
		return err
	}
	if err := s.auditSender(c, "message.revoke", c.Param("uid"), revokeDetail(form)); err != nil {
		return err
	}
	done := "revoked"
	if !form.At.IsZero() {
		done = "revoke_scheduled"
	}
	return c.Redirect(http.StatusSeeOther, "/messages/"+c.Param("uid")+"?done="+done)
}

// confirmRevoke shows the confirmation step of a revoke.
func (s *Server) confirmRevoke(c echo.Context, form revokeForm) error {
	v, err := s.sentMessagePage(c)
	if err != nil {
		return err
	}
	if !v.Revocable {
		return echo.NewHTTPError(http.StatusConflict, "not revocable")
	}
	cv := revokeConfirmView{baseView: s.base(c, "pages.revoke.confirm_title"), UID: v.UID, Subject: v.Subject, Form: form,
		Whom: s.t(c, "revoke.all"), When: s.t(c, "revoke.now")}
	if form.RecipientID != 0 {
		cv.Whom = ""
		for _, r := range v.Recipients {
			if r.ID == form.RecipientID {
				cv.Whom = r.Address
			}
		}
		if cv.Whom == "" {
			return echo.NewHTTPError(http.StatusNotFound)
		}
	}
	if !form.At.IsZero() {
		cv.When = s.when(c, form.At)
	}
	return c.Render(http.StatusOK, "sender_revoke_confirm", cv)
}
