package portal

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// maxReplyShown bounds the reply text read into a page.
const maxReplyShown = delivery.MaxReplyText + 1024

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

// loadReply loads a reply to one of the signed-in sender's messages (404
// for anyone else's), with its message.
func (s *Server) loadReply(c echo.Context) (db.Reply, db.Message, error) {
	ctx, u := c.Request().Context(), currentUser(c)
	r, err := s.store.ReplyByUID(ctx, u.OrgID, c.Param("uid"))
	if errors.Is(err, db.ErrNotFound) {
		return db.Reply{}, db.Message{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return db.Reply{}, db.Message{}, err
	}
	msg, err := s.store.Message(ctx, u.OrgID, r.MessageID)
	if err != nil {
		return db.Reply{}, db.Message{}, err
	}
	if msg.SenderID != u.ID {
		return db.Reply{}, db.Message{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return r, msg, nil
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
	r, msg, err := s.loadReply(c)
	if err != nil {
		return senderReplyView{}, err
	}
	ctx := c.Request().Context()
	rc, err := s.store.Recipient(ctx, msg.OrgID, r.RecipientID)
	if err != nil {
		return senderReplyView{}, err
	}
	subject, err := s.vault.OpenField(msg.Subject, delivery.SubjectBinding(msg.UID))
	if err != nil {
		return senderReplyView{}, err
	}
	v := senderReplyView{baseView: s.base(c, "reply.title"), UID: r.UID, MessageUID: msg.UID, Subject: string(subject),
		From: rc.Address, When: s.when(c, r.CreatedAt)}
	if v.Text, err = s.replyText(c, r.TextBlob); err != nil {
		return senderReplyView{}, err
	}
	v.Files, err = s.replyFiles(c, r)
	return v, err
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

func (s *Server) replyText(c echo.Context, blob string) (string, error) {
	if blob == "" {
		return "", nil
	}
	rd, err := s.vault.Open(c.Request().Context(), blob)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(rd, maxReplyShown))
	return string(b), errors.Join(err, rd.Close())
}

func (s *Server) replyFiles(c echo.Context, r db.Reply) ([]replyFile, error) {
	atts, err := s.store.ReplyAttachments(c.Request().Context(), r.OrgID, r.ID)
	if err != nil {
		return nil, err
	}
	var out []replyFile
	for _, a := range atts {
		name, err := s.vault.OpenField(a.Filename, delivery.ReplyFilenameBinding(r.UID, a.Position))
		if err != nil {
			return nil, err
		}
		out = append(out, replyFile{N: a.Position, Name: string(name), Size: a.Size})
	}
	return out, nil
}

// downloadReplyFile streams one file of a reply, decrypted, as a download.
func (s *Server) downloadReplyFile(c echo.Context) error {
	r, _, err := s.loadReply(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	atts, err := s.store.ReplyAttachments(c.Request().Context(), r.OrgID, r.ID)
	if err != nil {
		return err
	}
	if n < 0 || n >= len(atts) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	a := atts[n]
	name, err := s.vault.OpenField(a.Filename, delivery.ReplyFilenameBinding(r.UID, a.Position))
	if err != nil {
		return err
	}
	return s.streamBlob(c, db.Attachment{BlobID: a.BlobID, Size: a.Size}, "application/octet-stream", contentDisposition("attachment", string(name)))
}
