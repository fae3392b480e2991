// Package mailer owns Sluis's outgoing system mail: composing notifications
// (multipart text + HTML, RFC 5322 headers) and delivering them, either
// through an SMTP relay (Relay) or, in dev and demo mode, into the dev
// outbox the portal shows (Outbox, writing to portal/devbox).
//
// Delivery errors are classified so that a background job can decide what
// to do: IsTemporary means "retry the whole message later, nothing was
// delivered"; a *PermanentError means the relay refused the message or every
// recipient for good; any other error (an invalid message) is final too.
// Per-recipient refusals of a partly accepted message come back in
// Result.Rejected with a nil error.
//
// Message bodies carry secret links: nothing in this package logs them.
package mailer

import "context"

// Message is one outgoing mail.
type Message struct {
	// From is the header From (display name and address); the envelope
	// sender is always the configured mail-from.
	From    Address
	To      []Address
	ReplyTo *Address
	Subject string
	// Text is the plain-text body; it is required unless Raw is set.
	Text string
	// HTML is the HTML body, already escaped by the caller's templates;
	// empty means a text-only message.
	HTML string
	// Headers are extra header fields, such as "X-Sluis-Kind"; they may
	// not replace a field Compose writes itself.
	Headers map[string]string
	// Lang is the Content-Language, such as "nl" or "en-GB"; optional.
	Lang string
	// Raw, when set, is sent as-is (a pre-built message such as an RFC 8098
	// disposition notification); every other field except To is ignored.
	Raw []byte
}

// Address is a mailbox with an optional display name.
type Address struct{ Name, Addr string }

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, m *Message) (Result, error)
}

// Result reports a delivery that was at least partly accepted.
type Result struct {
	// MessageID is the Message-ID header value, angle brackets included.
	MessageID string
	// Rejected lists recipients the relay refused permanently (5xx); every
	// other recipient was accepted.
	Rejected []Rejection
	// Reply is the relay's reply to the message ("250 2.0.0 queued as
	// …"), "" when there was none to keep (the dev outbox).
	Reply string
}

// Rejection is one recipient's permanent refusal.
type Rejection struct {
	Addr string
	Code int
	Text string
}
