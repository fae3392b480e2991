package portal

import (
	"errors"
	"net/http"
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

// sentView is the list of the sender's messages.
type sentView struct {
	baseView
	Messages []sentRow
	Notice   string
	when     func(time.Time) string
}

// When writes a moment in the page's language; "" for the zero time.
func (v sentView) When(t time.Time) string { return v.when(t) }

// listMessages shows the sender's messages, newest first, each recipient
// with its status and when it got there.
func (s *Server) listMessages(c echo.Context) error {
	ctx, u := c.Request().Context(), currentUser(c)
	msgs, err := s.delivery.SenderMessages(ctx, *u, db.SentQuery{Limit: 100})
	if err != nil {
		return err
	}
	v := sentView{baseView: s.base(c, "sent.title"), Notice: noticeText(s, c), when: func(t time.Time) string { return s.when(c, t) }}
	for _, m := range msgs {
		row, err := s.sentRow(c, m)
		if err != nil {
			return err
		}
		v.Messages = append(v.Messages, row)
	}
	return c.Render(http.StatusOK, "sender_messages", v)
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
// and when ("now", or a local date and time).
type revokeForm struct {
	RecipientID int64
	At          time.Time
}

func readRevokeForm(c echo.Context, now time.Time) (revokeForm, string) {
	var f revokeForm
	if who := c.FormValue("recipient"); who != "all" {
		id, err := strconv.ParseInt(who, 10, 64)
		if err != nil || id <= 0 {
			return f, "revoke.bad_recipient"
		}
		f.RecipientID = id
	}
	if c.FormValue("when") != "later" {
		return f, ""
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(c.FormValue("at")), i18n.Zone())
	if err != nil || !at.After(now) {
		return f, "revoke.bad_time"
	}
	f.At = at
	return f, ""
}

// revokeMessage revokes the message for one recipient or all, now or later.
func (s *Server) revokeMessage(c echo.Context) error {
	form, problem := readRevokeForm(c, s.now())
	if problem != "" {
		v, err := s.sentMessagePage(c)
		if err != nil {
			return err
		}
		v.Error = &fieldError{Field: "revoke-at", Text: s.t(c, problem)}
		return c.Render(http.StatusUnprocessableEntity, "sender_message", v)
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
