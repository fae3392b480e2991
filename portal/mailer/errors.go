package mailer

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-smtp"
)

// Stages of an SMTP delivery, as reported in errors.
const (
	StageConnect = "connect"
	StageTLS     = "tls"
	StageAuth    = "auth"
	StageMail    = "MAIL FROM"
	StageRcpt    = "RCPT TO"
	StageData    = "DATA"
	StageOutbox  = "outbox" // storing into the dev outbox
)

// TemporaryError means nothing was delivered and the whole message should be
// retried later.
type TemporaryError struct {
	Stage string // where delivery stopped, one of the Stage constants
	Code  int    // the relay's reply code, 0 when it gave none
	Err   error
}

func (e *TemporaryError) Error() string {
	return fmt.Sprintf("mailer: temporary failure at %s: %v", e.Stage, e.Err)
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// PermanentError means the relay refused the message, or every recipient,
// for good: the caller records a bounce for each recipient.
type PermanentError struct {
	Stage string // StageMail, StageRcpt or StageData
	Code  int    // the relay's reply code
	Err   error
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("mailer: relay refused at %s: %v", e.Stage, e.Err)
}

func (e *PermanentError) Unwrap() error { return e.Err }

// IsTemporary reports whether err says the message should be retried later.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// classify turns an error of one delivery stage into a TemporaryError or a
// PermanentError. Only the relay's 5xx verdict on this message (MAIL FROM,
// DATA) is permanent; RCPT replies are judged per recipient in rcptAll.
// Failures to connect, secure the connection or authenticate are temporary
// even when the relay answers 5xx: they are problems of the relay or of our
// configuration, and bouncing recipients for them would blame people who
// did nothing wrong, while a retried job gives the operator time to fix it.
func classify(ctx context.Context, stage string, err error) error {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
		}
		return &TemporaryError{Stage: stage, Err: err}
	}
	if se.Code/100 == 5 && (stage == StageMail || stage == StageData) {
		return &PermanentError{Stage: stage, Code: se.Code, Err: err}
	}
	return &TemporaryError{Stage: stage, Code: se.Code, Err: err}
}
