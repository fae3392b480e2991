package portal

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/dustin/go-humanize"
	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// The organisation's secure inbox (/inbox): the messages citizens wrote
// on the public page /to/<domain>, read and answered by the users of the
// inbox after signing in. Anyone else gets not-found for every URL here,
// as for a message that does not exist (portal/delivery decides).

// inboxPageSize is how many messages one page of the inbox shows.
const inboxPageSize = 25

// inboxRow is one message of the inbox list.
type inboxRow struct {
	UID, From, Subject, Received string
	Answered, Unread             bool
}

// inboxView is the inbox list.
type inboxView struct {
	baseView
	Messages         []inboxRow
	Page             int
	PrevURL, NextURL string
}

// listInbox shows one page of the inbox, newest first.
func (s *Server) listInbox(c echo.Context) error {
	page := 1
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && n <= 1000 {
		page = n
	}
	items, more, err := s.delivery.InboxPage(c.Request().Context(), *currentUser(c), page, inboxPageSize)
	if err != nil {
		return inboxError(err)
	}
	v := inboxView{baseView: s.base(c, "inbox.title"), Page: page}
	for _, it := range items {
		v.Messages = append(v.Messages, inboxRow{UID: it.UID, From: writer(it), Subject: it.Subject,
			Received: s.when(c, it.CreatedAt), Answered: !it.AnsweredAt.IsZero(), Unread: it.ReadAt.IsZero()})
	}
	if page > 1 {
		v.PrevURL = "/inbox?page=" + strconv.Itoa(page-1)
	}
	if more {
		v.NextURL = "/inbox?page=" + strconv.Itoa(page+1)
	}
	return c.Render(http.StatusOK, "inbox", v)
}

// writer names who wrote a channel message: the name they gave and the
// address they proved.
func writer(it delivery.InboxItem) string {
	if it.Name == "" {
		return it.Address
	}
	return it.Name + " <" + it.Address + ">"
}

// inboxFile is one file of a channel message, for the page.
type inboxFile struct {
	N          int
	Name, Size string
}

// inboxMessageView is one channel message with the answer form.
type inboxMessageView struct {
	baseView
	UID, From, Address, Subject, Received, Text string
	Files                                       []inboxFile
	AnsweredBy, AnsweredOn, AnswerUID           string
	Answered                                    bool
	Answer                                      string // the answer as typed, on a rejected form
	Error                                       *fieldError
}

// showInboxMessage shows a channel message (its first read is recorded
// and every read audited) and the form to answer it.
func (s *Server) showInboxMessage(c echo.Context) error {
	v, err := s.inboxMessagePage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "inbox_message", v)
}

func (s *Server) inboxMessagePage(c echo.Context) (inboxMessageView, error) {
	m, err := s.delivery.ReadInbox(c.Request().Context(), *currentUser(c), c.Param("uid"), c.RealIP())
	if err != nil {
		return inboxMessageView{}, inboxError(err)
	}
	v := inboxMessageView{baseView: s.base(c, "inbox.message_title"), UID: m.UID, From: writer(m.InboxItem), Address: m.Address,
		Subject: m.Subject, Received: s.when(c, m.CreatedAt), Text: m.Text, Answered: !m.AnsweredAt.IsZero(),
		AnsweredBy: m.AnsweredBy, AnsweredOn: s.when(c, m.AnsweredAt), AnswerUID: m.AnswerUID}
	for _, f := range m.Files {
		v.Files = append(v.Files, inboxFile{N: f.Position, Name: f.Name, Size: humanize.Bytes(uint64(max(f.Size, 0)))})
	}
	return v, nil
}

// inboxAnswerErrors maps the answers delivery refuses to a catalogue key.
var inboxAnswerErrors = map[error]string{
	delivery.ErrAnswerEmpty:     "reply.answer_empty",
	delivery.ErrAnswerTooLong:   "reply.answer_too_long",
	delivery.ErrChannelAnswered: "inbox.answered_already",
}

// answerInboxMessage sends the answer as a new secure message to the
// address the writer proved, or shows the message again with the error
// beside the field and the text as typed.
func (s *Server) answerInboxMessage(c echo.Context) error {
	text := c.FormValue("text")
	msg, err := s.delivery.AnswerInbox(c.Request().Context(), delivery.InboxAnswer{User: *currentUser(c), UID: c.Param("uid"),
		Text: text, IP: c.RealIP()})
	for cause, key := range inboxAnswerErrors {
		if errors.Is(err, cause) {
			v, verr := s.inboxMessagePage(c)
			if verr != nil {
				return verr
			}
			v.Answer, v.Error = text, &fieldError{Field: "answer", Text: s.t(c, key)}
			return c.Render(http.StatusUnprocessableEntity, "inbox_message", v)
		}
	}
	if err != nil {
		return inboxError(err)
	}
	return c.Redirect(http.StatusSeeOther, "/messages/"+msg.UID+"?done=sent")
}

// downloadInboxFile streams one file of a channel message, decrypted, as
// a download (audited before a byte is sent).
func (s *Server) downloadInboxFile(c echo.Context) error {
	n, err := position(c)
	if err != nil {
		return err
	}
	f, err := s.delivery.DownloadInboxFile(c.Request().Context(), *currentUser(c), c.Param("uid"), n, c.RealIP())
	if err != nil {
		return fileError(err)
	}
	return s.streamFile(c, f, "application/octet-stream", contentDisposition("attachment", f.Name))
}

// inboxError turns "not in the inbox" and "no such message" alike into a 404.
func inboxError(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	return err
}

// inInbox says whether the signed-in user is in the secure inbox, for the
// menu; a failure hides the link (and is logged), the pages still decide.
func (s *Server) inInbox(c echo.Context, u *db.User) bool {
	if u == nil || s.delivery == nil {
		return false
	}
	ok, err := s.delivery.InInbox(c.Request().Context(), *u)
	if err != nil {
		s.log.Warn("reading secure-inbox membership for the menu", "user_id", u.ID, "err", err)
	}
	return ok
}
