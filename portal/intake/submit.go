package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/mime"
)

// Submission is one accepted SMTP transaction handed to the delivery layer.
type Submission struct {
	User       db.User       // the authenticated sender
	MailFrom   string        // envelope sender (normalised)
	Rcpts      []string      // envelope recipients (normalised, deduplicated, order kept) — includes Bcc
	Message    *mime.Message // parsed; attachments already stored through the Sink
	Size       int64         // bytes read
	RemoteAddr string
	SHA256     string // hex SHA-256 of the message exactly as received (after dot-unstuffing)
}

// Submitter stores a submission durably (blobs + DB + jobs in one
// transaction) and only then returns nil.
//
// Its errors decide the reply: an error wrapping db.ErrBusy or for which
// IsTemporary is true gets 451 4.3.0; a *RejectError gets its own code and
// text; anything else gets 451 too (never lose: when unsure, temporary).
type Submitter interface {
	// NewSink returns the mime.Sink that stores attachments (encrypted) for
	// one message, and a cleanup func that deletes what it stored if the
	// submission fails.
	NewSink(ctx context.Context, u db.User) (mime.Sink, func(), error)
	// Submit stores s durably; nil means the sender may be told 250.
	Submit(ctx context.Context, s *Submission) error
}

// RejectError is a permanent refusal by the submitter, e.g. 550 5.7.1.
type RejectError struct {
	Code     int
	Enhanced [3]int
	Message  string
}

// Error returns the SMTP reply the refusal stands for.
func (e *RejectError) Error() string {
	return fmt.Sprintf("%d %d.%d.%d %s", e.Code, e.Enhanced[0], e.Enhanced[1], e.Enhanced[2], e.Message)
}

// IsTemporary reports whether err is a passing condition: a busy database,
// a context that ran out, or an error in its chain that says Temporary().
func IsTemporary(err error) bool {
	if errors.Is(err, db.ErrBusy) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// errTemporary is the reply when the message could not be stored for now.
var errTemporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message: "Temporary failure storing the message, please try again later"}

// submitReply maps a Submitter's error to the SMTP reply. A RejectError
// whose code is not a 4xx or 5xx reply is not trusted to refuse mail.
func submitReply(err error) *smtp.SMTPError {
	var rej *RejectError
	switch {
	case IsTemporary(err):
		return errTemporary
	case errors.As(err, &rej) && rej.Code >= 400 && rej.Code < 600:
		return &smtp.SMTPError{Code: rej.Code, EnhancedCode: smtp.EnhancedCode(rej.Enhanced), Message: oneLine(rej.Message)}
	}
	return errTemporary
}

// oneLine keeps a reply text on one line: go-smtp would turn a newline into
// a multi-line reply, and a CR could end the reply early.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if s = strings.TrimSpace(s); s == "" {
		return "Message refused"
	}
	return s
}
