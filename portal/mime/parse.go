// Package mime turns one submitted mail into a Message: its envelope headers,
// its text and HTML bodies decoded to UTF-8, its attachments handed to a Sink
// as streams, and the Zivver-style control block read and removed from every
// body (controlblock.go).
//
// Threat model: the input is untrusted. A signed-in sender (or a mail server
// relaying for one) may submit broken, hostile or enormous mail. Parse reads
// the input once, as a stream, and never holds more than the Limits allow:
// each header block is capped while it is read (go-message caps only the
// top-level one), the number of parts and the multipart nesting are counted,
// only text and HTML are kept in memory (capped in total), and attachments go
// to the Sink without being buffered. go-message's message-ID parser is not
// used: it is quadratic in the length of a comment.
//
// Broken mail that a mail reader would still make sense of is accepted: no
// Content-Type, an unknown charset or transfer encoding, raw 8-bit headers,
// mixed CRLF and LF line ends, a missing final boundary, sloppy base64. Mail
// that exceeds a limit, is malformed beyond reading or is not mail at all is
// refused with an *Error whose sentence the SMTP layer can return. Nothing is
// dropped silently: a part that cannot be read refuses the message.
//
// The HTML is not sanitized here; showing it safely is the portal's job.
// Filenames are reduced to a base name but remain untrusted text.
package mime

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Message is what Parse extracted from one mail.
//
// Text joins every text/plain part that is not an attachment, in order, with
// a newline: the text after an attachment (a signature, Apple Mail's
// "inline" text) belongs to the message. HTML does the same for text/html
// parts (Apple Mail splits the HTML around inline images). Within one
// multipart/alternative only the first part of each kind is body; a second
// one is another rendering of the same content and becomes an attachment,
// so nothing is lost. A text part with a filename, or marked as attachment,
// is an attachment.
type Message struct {
	Subject                   string    // decoded (encoded-words, raw 8-bit)
	From                      Address   // first From
	To, Cc                    []Address // header recipients; Bcc comes from the SMTP envelope
	MessageID, InReplyTo      string    // without angle brackets
	Date                      time.Time // zero when absent or unreadable
	DispositionNotificationTo []Address // RFC 8098 read-receipt request, if any
	Text                      string    // the text/plain body (UTF-8, LF line ends), control blocks removed; see below
	HTML                      string    // the text/html body, likewise; not sanitized (the portal's job)
	Attachments               []Attachment
	Control                   ControlBlock // zero value when the mail has no control block
}

// Address is one mailbox from a header; the domain is lower-cased.
type Address struct{ Name, Addr string }

// Sink receives attachments (and inline images) as streams so a 100 MB file
// never sits in memory.
type Sink interface {
	// Attachment is called for each attachment/inline part; it must consume
	// r fully (e.g. encrypt to disk) and return an opaque ref string.
	Attachment(a AttachmentInfo, r io.Reader) (ref string, err error)
}

// AttachmentInfo describes an attachment before its bytes are read.
type AttachmentInfo struct {
	Filename    string // base name only; a name is made up when the mail gives none
	ContentType string // lower-case media type without parameters
	ContentID   string // without angle brackets; set for inline images
	Inline      bool   // meant to be shown in the body rather than listed
}

// Attachment is an attachment the Sink has stored.
type Attachment struct {
	AttachmentInfo
	Ref  string // what the Sink returned
	Size int64  // decoded bytes
}

// topBuffer is the read-ahead of the reader in front of the top-level header.
const topBuffer = 4096

// Parse reads one message from r. It returns *Error (with a human message and
// Permanent bool) for mail it must refuse, and a plain error when reading r
// or the Sink fails. A nil Sink discards attachments (their size is still
// reported). Parse is safe for concurrent use.
func Parse(r io.Reader, lim Limits, sink Sink) (*Message, error) {
	lim = lim.withDefaults()
	g := &guard{r: r}
	br := bufio.NewReaderSize(&canonical{r: g}, topBuffer)
	h, err := readTopHeader(g, br, lim)
	if err != nil {
		return nil, err
	}
	w := &walker{lim: lim, sink: sink, g: g, left: lim.MaxBodyBytes}
	if err := w.entity(h, br, 0, nil); err != nil {
		return nil, err
	}
	m := envelope(h)
	m.Control, m.Text, m.HTML = bodies(w.texts, w.htmls)
	m.Attachments = w.atts
	return m, nil
}

// readTopHeader reads the message header under the header budget and refuses
// input that is not mail.
func readTopHeader(g *guard, br *bufio.Reader, lim Limits) (message.Header, error) {
	g.startHeader(headerBudget(lim, 0))
	th, err := textproto.ReadHeader(br)
	g.endHeader()
	switch {
	case g.tripped:
		return message.Header{}, errHeaderTooBig(lim)
	case g.err != nil:
		return message.Header{}, fmt.Errorf("reading the message header: %w", g.err)
	case err != nil:
		return message.Header{}, refuse(KeyNotMail, err,
			"The data is not a mail message: its header is malformed.")
	}
	h := message.Header{Header: th}
	if h.Len() == 0 {
		return h, refuse(KeyNotMail, nil, "The data is not a mail message: it has no header.")
	}
	for _, k := range []string{"From", "Sender", "To", "Cc", "Subject", "Date",
		"Message-Id", "Mime-Version", "Content-Type"} {
		if h.Has(k) {
			return h, nil
		}
	}
	return h, refuse(KeyNotMail, nil,
		"The data is not a mail message: its header has no From, To, Subject or Date field.")
}

// bodies reads the control block and removes every block from every body
// part, then joins the parts. The block is read from the first text/plain
// part that holds one, else from the first text/html part that holds one:
// mail programs that write the plain alternative from the HTML drop its
// comments, and the block with them.
func bodies(texts, htmls []string) (ControlBlock, string, string) {
	var cb ControlBlock
	for _, parts := range [][]string{texts, htmls} {
		for i, s := range parts {
			if cb.Found {
				parts[i] = StripControlBlocks(s)
				continue
			}
			cb, parts[i] = ParseControlBlock(s)
		}
	}
	return cb, strings.Join(texts, "\n"), strings.Join(htmls, "\n")
}
