package sms

import (
	"context"
	"errors"
	"regexp"
	"unicode"

	"sluis/portal/phone"
)

// Message is one text to send.
type Message struct {
	To        string // E.164, "+31612345678"
	Text      string // secret: holds a one-time code
	Reference string // opaque id for the gateway's logs, never secret
}

// Sender sends texts; a failure is an *Error that says whether to retry.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// maxReference bounds Reference, which ends up in logs and the outbox.
const maxReference = 128

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Mask shows a number as its owner would recognise it: "+31 6 ●●●● ●●78".
func Mask(e164 string) string { return phone.Mask(e164) }

// validate refuses, for good, a message no gateway should be handed.
func (m Message) validate() error {
	switch {
	case !e164.MatchString(m.To):
		return &Error{Err: errors.New("recipient is not an E.164 number")}
	case m.Text == "":
		return &Error{Err: errors.New("empty text")}
	case len(m.Reference) > maxReference:
		return &Error{Err: errors.New("reference too long")}
	}
	for _, r := range m.Reference {
		if unicode.IsControl(r) {
			return &Error{Err: errors.New("control character in reference")}
		}
	}
	return nil
}
