package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/mime"
)

// transaction is what DATA works on, copied from the session so that a
// concurrent Reset (BDAT) cannot change it underneath.
type transaction struct {
	user  db.User
	from  string
	rcpts []string
	own   ownAddresses
}

// Replies of DATA.
var (
	errNoFrom = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "The message has no readable From: header"}
	errFromNotYours = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "From: header rejected: send from your own address or one of your aliases"}
	errReadFailed = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "The message could not be read completely, please try again"}
	errLongLine = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: fmt.Sprintf("The message has a line longer than %d characters", maxLineLength)}
)

// Data receives, checks and submits one message. It answers 250 only once
// the Submitter has committed it; on any failure, what the Sink stored is
// deleted.
func (s *session) Data(r io.Reader) error {
	start := time.Now()
	t, ok := s.transaction()
	if !ok {
		return errAuthRequired
	}
	s.tc.setPhase(phaseReceiving)
	widenDataLimit(r)
	in := &dataReader{r: r, conn: s.conn, idle: s.srv.opt.ReadTimeout, max: s.srv.opt.MaxMessageBytes}
	sub, cleanup, err := s.receive(t, in)
	committed := false
	if cleanup != nil {
		defer func() { // deferred, so that a panic in Submit cleans up too
			if !committed {
				cleanup()
			}
		}()
	}
	if err == nil {
		s.tc.setPhase(phaseCommitting)
		if err = s.srv.opt.Submitter.Submit(s.srv.ctx, sub); err != nil {
			err = fmt.Errorf("submitting: %w", err)
		}
		committed = err == nil
	}
	reply := dataReply(err, in.err)
	s.srv.logTransaction(s, t, in.n, reply, err, time.Since(start))
	if reply == nil {
		return nil
	}
	return reply
}

// transaction copies the envelope of the transaction in progress.
func (s *session) transaction() (transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.user == nil || s.from == "" || len(s.rcpts) == 0 {
		return transaction{}, false
	}
	return transaction{user: *s.user, from: s.from, rcpts: append([]string(nil), s.rcpts...), own: s.own}, true
}

// receive streams the message through the parser into the Submitter's sink
// and checks its From: header. cleanup is set once the sink exists.
func (s *session) receive(t transaction, in *dataReader) (*Submission, func(), error) {
	sink, cleanup, err := s.srv.opt.Submitter.NewSink(s.srv.ctx, t.user)
	if err == nil && sink == nil {
		err = errors.New("no sink") // Parse would drop the attachments
	}
	if err != nil {
		return nil, cleanup, fmt.Errorf("opening the attachment sink: %w", err)
	}
	digest := sha256.New() // of the message as received, for the proof of delivery
	src := io.TeeReader(in, digest)
	msg, err := mime.Parse(src, mime.DefaultLimits(), sink)
	if err == nil {
		_, err = io.Copy(io.Discard, src) // the size limit applies to all of it
	}
	if err == nil && in.err != nil {
		err = in.err // a failure the parser took for the end of a part
	}
	if err != nil {
		return nil, cleanup, err
	}
	if msg.From.Addr == "" {
		return nil, cleanup, errNoFrom
	}
	from, err := db.NormalizeAddress(msg.From.Addr)
	if _, ok := t.own.find(from); err != nil || !ok {
		return nil, cleanup, errFromNotYours
	}
	return &Submission{User: t.user, MailFrom: t.from, Rcpts: t.rcpts, Message: msg,
		Size: in.n, RemoteAddr: s.remote.String(), SHA256: hex.EncodeToString(digest.Sum(nil))}, cleanup, nil
}

// dataReply is the SMTP reply for the outcome of DATA; nil means 250.
// readErr, the input's own failure, wins over how the parser or the sink
// reported it.
func dataReply(err, readErr error) *smtp.SMTPError {
	var reply *smtp.SMTPError
	var merr *mime.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(readErr, smtp.ErrDataTooLarge) || errors.Is(err, smtp.ErrDataTooLarge):
		return smtp.ErrDataTooLarge
	case errors.Is(readErr, smtp.ErrTooLongLine):
		return errLongLine
	case readErr != nil:
		return errReadFailed
	case errors.As(err, &reply):
		return reply
	case errors.As(err, &merr) && merr.Permanent:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: oneLine(merr.Msg)}
	case errors.As(err, &merr):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: oneLine(merr.Msg)}
	}
	return submitReply(err)
}
