package portal

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/portal/delivery"
)

// maxReplyFiles is the total size of a reply's files.
const maxReplyFiles = 25 << 20

// replyView is the reply form.
type replyView struct {
	baseView
	Base   string
	Sender string
	Text   string
	Error  *fieldError
}

// replyForm is a posted reply.
type replyForm struct {
	Text  string
	Files []*multipart.FileHeader
}

// replyErrors maps a refused reply to its message and field.
var replyErrors = map[error]fieldError{
	delivery.ErrReplyEmpty:   {"text", "recipient.reply.error.empty"},
	delivery.ErrReplyTooLong: {"text", "recipient.reply.error.too_long"},
	delivery.ErrReplyFiles:   {"files", "recipient.reply.error.files"},
	errReplyTooLarge:         {"files", "recipient.reply.error.too_large"},
	delivery.ErrReplyLimit:   {"text", "recipient.reply.error.limit"},
	delivery.ErrReplyNotOpen: {"text", "recipient.reply.error.closed"},
}

var errReplyTooLarge = errors.New("reply files too large")

// uploadedFiles are the files of a form's "files" field, without the
// empty part an unused file field sends; errReplyTooLarge when together
// they are over the reply's limit (a reply, or a message through the
// secure channel).
func uploadedFiles(c echo.Context) ([]*multipart.FileHeader, error) {
	var files []*multipart.FileHeader
	var total int64
	if mf, err := c.MultipartForm(); err == nil {
		for _, fh := range mf.File["files"] {
			if fh.Filename != "" || fh.Size > 0 {
				files = append(files, fh)
				total += fh.Size
			}
		}
	}
	if total > maxReplyFiles {
		return files, errReplyTooLarge
	}
	return files, nil
}

// readReplyForm reads the text and the files, checking what can be
// checked before anything is stored.
func readReplyForm(c echo.Context) (replyForm, error) {
	f := replyForm{Text: c.FormValue("text")}
	var err error
	f.Files, err = uploadedFiles(c)
	switch {
	case err != nil:
		return f, err
	case len(f.Text) > delivery.MaxReplyText:
		return f, delivery.ErrReplyTooLong
	case len(f.Files) > delivery.MaxReplyFiles:
		return f, delivery.ErrReplyFiles
	}
	return f, nil
}

// showReply shows the reply form.
func (s *Server) showReply(c echo.Context) error {
	v, err := s.replyPage(c, "")
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "recipient_reply", v)
}

func (s *Server) replyPage(c echo.Context, text string) (replyView, error) {
	r := recipientOf(c)
	_, sender, err := s.people(c.Request().Context(), r.msg)
	if err != nil {
		return replyView{}, err
	}
	return replyView{baseView: s.base(c, "recipient.reply.title"), Base: r.base(), Sender: displayName(sender), Text: text}, nil
}

// sendReply stores the reply encrypted and has the sender told.
func (s *Server) sendReply(c echo.Context) error {
	r := recipientOf(c)
	form, err := readReplyForm(c)
	if err == nil {
		err = s.storeReply(c, form)
	}
	if fe, ok := replyErrors[err]; ok {
		v, verr := s.replyPage(c, form.Text)
		if verr != nil {
			return verr
		}
		v.Error = &fieldError{Field: fe.Field, Text: s.t(c, fe.Text)}
		return c.Render(http.StatusUnprocessableEntity, "recipient_reply", v)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, r.base()+"/read?replied=1")
}

// storeReply opens the uploaded files and hands them to delivery.
func (s *Server) storeReply(c echo.Context, form replyForm) error {
	in := delivery.ReplyInput{Recipient: recipientOf(c).rc, Text: form.Text}
	for _, fh := range form.Files {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer func(f io.Closer) { _ = f.Close() }(f) // read-only
		in.Files = append(in.Files, delivery.ReplyFile{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Body: f})
	}
	_, err := s.delivery.Reply(c.Request().Context(), in)
	return err
}
