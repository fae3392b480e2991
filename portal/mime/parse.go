// Package mime owns Sluis's handling of MIME: it turns one submitted mail
// into a Message (Parse), reads and writes the Zivver-style control block
// (controlblock.go), and composes the Message for text written in the web
// app (Compose). The SMTP intake and delivery both use it; it knows neither.
//
// Threat model: the input is untrusted. A signed-in sender (or a mail server
// relaying for one) may submit broken, hostile or enormous mail. Parse reads
// the input once, as a stream, and never holds more than the Limits allow:
// each header block is capped while it is read, the number of parts and the
// multipart nesting are counted, only text and HTML are kept in memory
// (capped in total), and attachments go to the Sink without being buffered.
// go-message's message-ID parser is not used: it is quadratic in the length
// of a comment.
//
// Leniency: mail that a mail reader would show is accepted, as the best
// parsers do: recover, record the defect, keep going. Besides what needs no
// note (no Content-Type, raw 8-bit headers, mixed CRLF and LF line ends,
// sloppy base64 and quoted-printable), Parse reads a header that runs into
// its body without the blank line, a part without a header, empty parts,
// multiparts that never close or reuse their parent's boundary, and
// multiparts it cannot split (their content becomes one text part). Each
// such repair is a Defect in Message.Defects: a kind and a place, never
// content. Parse refuses, with an *Error whose sentence the SMTP layer can
// return, only what has no usable header at all or breaks a limit.
//
// The HTML is not sanitized here; showing it safely is the portal's job.
// Filenames are reduced to a base name but remain untrusted text.
package mime

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
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
	Defects                   []Defect     // what Parse repaired, in order; nil for a well-formed mail
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

// Parse reads one message from r. It returns *Error (with a human message and
// Permanent bool) for mail it must refuse, and a plain error when reading r
// or the Sink fails. A nil Sink discards attachments (their size is still
// reported). Parse is safe for concurrent use.
func Parse(r io.Reader, lim Limits, sink Sink) (*Message, error) {
	lim = lim.withDefaults()
	g := &guard{r: r}
	s := newScanner(&canonical{r: g})
	w := &walker{lim: lim, sink: sink, g: g, s: s, left: lim.MaxBodyBytes}
	h, err := w.topHeader()
	if err != nil {
		return nil, err
	}
	if err := w.entity(h, 0, nil, rootPath); err != nil {
		return nil, err
	}
	m := envelope(h)
	m.Control, m.Text, m.HTML = bodies(w.texts, w.htmls)
	m.Attachments = w.atts
	if len(w.defects) > 0 {
		m.Defects = w.defects
	}
	return m, nil
}

// topHeader reads the message header under the header budget and refuses
// input that is not mail: no header field at all, or none that mail has.
func (w *walker) topHeader() (message.Header, error) {
	b, err := w.s.header(w.lim.MaxHeaderBytes, true)
	if err != nil {
		if errors.Is(err, errHeaderSize) {
			return message.Header{}, errHeaderTooBig(w.lim)
		}
		return message.Header{}, fmt.Errorf("reading the message header: %w", w.g.errOr(err))
	}
	if b.fields == 0 {
		return b.h, refuse(KeyNotMail, nil, "The data is not a mail message: it has no header.")
	}
	for _, k := range b.defects {
		w.defects.add(k, rootPath)
	}
	if b.end == endText {
		w.defects.add(DefectNoBlankLine, rootPath)
	}
	for _, k := range []string{"From", "Sender", "To", "Cc", "Subject", "Date",
		"Message-Id", "Mime-Version", "Content-Type"} {
		if b.h.Has(k) {
			return b.h, nil
		}
	}
	return b.h, refuse(KeyNotMail, nil,
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
