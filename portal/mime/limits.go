package mime

import (
	"fmt"
	"strconv"
)

// Limits bounds what one message may cost. go-message leaves header size,
// part count and nesting to the caller.
type Limits struct {
	MaxHeaderBytes int   // per header block (the message's or one part's)
	MaxParts       int   // entities in the whole tree, multipart containers included
	MaxDepth       int   // multipart nesting; a multipart message is at depth 1
	MaxBodyBytes   int64 // decoded text and HTML kept in memory; attachments stream and are not counted
}

// DefaultLimits returns limits that every real mail fits in.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes: 256 << 10,
		MaxParts:       500,
		MaxDepth:       20,
		MaxBodyBytes:   16 << 20,
	}
}

// withDefaults fills every zero or negative field from DefaultLimits, so a
// zero Limits never means "refuse everything" or "no limit".
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

// Error is a refusal: mail that Parse will not accept as submitted.
//
// Msg is one plain-ASCII English sentence fit for an SMTP reply; it never
// quotes the message's own content. Key is a stable identifier for
// translations and metrics. Err, when set, is the underlying cause, for logs.
// Failures that are not the mail's fault (reading the input, the Sink) are
// returned as ordinary errors, not as *Error.
type Error struct {
	Key       string
	Msg       string
	Permanent bool
	Err       error
}

// Error returns the sentence, followed by the cause when there is one. The
// cause may quote the mail (a malformed header line), so it is cut short and
// escaped to printable ASCII before it can reach a log.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + " (cause: " + strconv.QuoteToASCII(truncate(e.Err.Error(), 200)) + ")"
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Keys of the refusals Parse returns.
const (
	KeyHeaderTooBig = "header_too_big"
	KeyTooManyParts = "too_many_parts"
	KeyTooDeep      = "too_deep"
	KeyBodyTooBig   = "body_too_big"
	KeyNotMail      = "not_mail"
	KeyUndecodable  = "undecodable"
)

// refuse builds a permanent refusal.
func refuse(key string, cause error, format string, args ...any) *Error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...), Permanent: true, Err: cause}
}

func errHeaderTooBig(lim Limits) *Error {
	return refuse(KeyHeaderTooBig, nil,
		"The message or one of its parts has a header larger than %s.", size(int64(lim.MaxHeaderBytes)))
}

func errTooManyParts(lim Limits) *Error {
	return refuse(KeyTooManyParts, nil, "The message has more than %d MIME parts.", lim.MaxParts)
}

func errTooDeep(lim Limits) *Error {
	return refuse(KeyTooDeep, nil, "The message nests multipart sections more than %d levels deep.", lim.MaxDepth)
}

func errBodyTooBig(lim Limits) *Error {
	return refuse(KeyBodyTooBig, nil, "The text of the message is larger than %s.", size(lim.MaxBodyBytes))
}

// size writes a byte count for people: "256 KiB", "16 MiB", "100 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
