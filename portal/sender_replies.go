package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// replyRow is one reply in a message's status page.
type replyRow struct {
	UID, From, When string
}

func (s *Server) replyRows(c echo.Context, msg db.Message) ([]replyRow, error) {
	ctx := c.Request().Context()
	replies, err := s.store.Replies(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return nil, err
	}
	var out []replyRow
	for _, r := range replies {
		rc, err := s.store.Recipient(ctx, msg.OrgID, r.RecipientID)
		if err != nil {
			return nil, err
		}
		out = append(out, replyRow{UID: r.UID, From: rc.Address, When: s.when(c, r.CreatedAt)})
	}
	return out, nil
}

// replyFile is one file of a reply, for the page.
type replyFile struct {
	N    int
	Name string
	Size int64
}

// senderReplyView is a reply as its sender reads it.
type senderReplyView struct {
	baseView
	UID, MessageUID, Subject, From, When, Text string
	Files                                      []replyFile
	Answer                                     string // the answer as typed, on a rejected form
	Error                                      *fieldError
}

// showSenderReply shows a recipient's reply, its text and its files, and
// the form to answer it.
func (s *Server) showSenderReply(c echo.Context) error {
	v, err := s.senderReplyPage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "sender_reply", v)
}

func (s *Server) senderReplyPage(c echo.Context) (senderReplyView, error) {
	r, err := s.delivery.ReadReply(c.Request().Context(), *currentUser(c), c.Param("uid"))
	if errors.Is(err, db.ErrNotFound) {
		return senderReplyView{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return senderReplyView{}, err
	}
	v := senderReplyView{baseView: s.base(c, "reply.title"), UID: r.UID, MessageUID: r.MessageUID, Subject: r.Subject,
		From: r.From, When: s.when(c, r.Received), Text: r.Text}
	for _, f := range r.Files {
		v.Files = append(v.Files, replyFile{N: f.Position, Name: f.Name, Size: f.Size})
	}
	return v, nil
}

// answerErrors maps the answers delivery refuses to a catalogue key.
var answerErrors = map[error]string{
	delivery.ErrAnswerEmpty:   "reply.answer_empty",
	delivery.ErrAnswerTooLong: "reply.answer_too_long",
	delivery.ErrAnswerClosed:  "reply.answer_closed",
}

// answerReply sends the sender's answer to a reply as a new secure message
// to the recipient who wrote it, or shows the reply again with the error
// beside the field and the text as typed.
func (s *Server) answerReply(c echo.Context) error {
	text := c.FormValue("text")
	msg, err := s.delivery.Answer(c.Request().Context(), delivery.AnswerInput{Sender: *currentUser(c), ReplyUID: c.Param("uid"), Text: text})
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	for cause, key := range answerErrors {
		if errors.Is(err, cause) {
			v, verr := s.senderReplyPage(c)
			if verr != nil {
				return verr
			}
			v.Answer, v.Error = text, &fieldError{Field: "answer", Text: s.t(c, key)}
			return c.Render(http.StatusUnprocessableEntity, "sender_reply", v)
		}
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/messages/"+msg.UID+"?done=sent")
}

// downloadReplyFile streams one file of a reply, decrypted, as a download.
func (s *Server) downloadReplyFile(c echo.Context) error {
	n, err := position(c)
	if err != nil {
		return err
	}
	f, err := s.delivery.OpenReplyFile(c.Request().Context(), *currentUser(c), c.Param("uid"), n)
	if err != nil {
		return fileError(err)
	}
	return s.streamFile(c, f, "application/octet-stream", contentDisposition("attachment", f.Name))
}
