package mailer

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Compose renders m as RFC 5322 bytes: Date, Message-ID
// (<random@domain-of-mail-from>), MIME-Version, multipart/alternative (text
// then HTML) or text only, quoted-printable UTF-8, RFC 2047 encoded Subject
// and display names, and Auto-Submitted: auto-generated. It returns the bytes
// and the Message-ID with its angle brackets. m.Raw is ignored.
func Compose(m *Message, now time.Time, mailFrom string) (raw []byte, messageID string, err error) {
	if err := m.validate(); err != nil {
		return nil, "", err
	}
	messageID, err = newMessageID(mailFrom)
	if err != nil {
		return nil, "", err
	}
	h := m.header(now, messageID)
	var buf bytes.Buffer
	if err := writeBody(&buf, h, m); err != nil {
		return nil, "", fmt.Errorf("mailer: writing message: %w", err)
	}
	return buf.Bytes(), messageID, nil
}

// render returns the bytes to send for m: Raw as-is, or Compose's output.
func render(m *Message, now time.Time, mailFrom string) ([]byte, string, error) {
	if m.Raw == nil {
		return Compose(m, now, mailFrom)
	}
	if err := validateRecipients(m.To); err != nil {
		return nil, "", err
	}
	if len(m.Raw) == 0 {
		return nil, "", invalidf("raw message is empty")
	}
	return m.Raw, rawMessageID(m.Raw), nil
}

// newMessageID returns "<random@domain>" with 128 random bits.
func newMessageID(mailFrom string) (string, error) {
	if err := validateAddr(mailFrom); err != nil {
		return "", fmt.Errorf("mail-from: %w", err)
	}
	domain := mailFrom[strings.LastIndexByte(mailFrom, '@')+1:]
	return "<" + hex.EncodeToString(randomBytes(16)) + "@" + domain + ">", nil
}

// randomBytes returns n bytes from crypto/rand, which never fails.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// rawMessageID returns the Message-ID field of a pre-built message, or "".
func rawMessageID(raw []byte) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(h.Get("Message-Id"))
}

// header builds the top-level header fields. go-message writes fields in the
// reverse order of adding them, so they are added bottom-up.
func (m *Message) header(now time.Time, messageID string) gomail.Header {
	var h gomail.Header
	for _, k := range sortedKeys(m.Headers) {
		h.SetText(k, m.Headers[k])
	}
	if m.Lang != "" {
		h.Set("Content-Language", m.Lang)
	}
	h.Set("X-Auto-Response-Suppress", "All") // Exchange's equivalent of Auto-Submitted
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("Message-ID", messageID)
	h.SetSubject(m.Subject)
	if m.ReplyTo != nil {
		h.Set("Reply-To", formatAddress(*m.ReplyTo))
	}
	h.Set("To", formatAddresses(m.To))
	h.Set("From", formatAddress(m.From))
	h.SetDate(now)
	return h
}

func formatAddresses(as []Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = formatAddress(a)
	}
	return strings.Join(parts, ", ")
}

// formatAddress is net/mail's Address.String, except that a non-ASCII name
// is always B-encoded: its Q-encoding leaves a "\" bare, which RFC 2047
// §5.3 forbids in a display name and parsers then reject.
func formatAddress(a Address) string {
	na := mail.Address{Name: a.Name, Address: a.Addr}
	if !strings.ContainsFunc(a.Name, func(r rune) bool { return r > '~' }) {
		return na.String()
	}
	na.Name = ""
	return mime.BEncoding.Encode("utf-8", a.Name) + " " + na.String()
}

// writeBody writes h and a text part, or a text and an HTML alternative.
func writeBody(w io.Writer, h gomail.Header, m *Message) error {
	if m.HTML == "" {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		part, err := gomail.CreateSingleInlineWriter(w, h)
		if err != nil {
			return err
		}
		return writeAndClose(part, m.Text)
	}
	alt, err := gomail.CreateInlineWriter(w, h)
	if err != nil {
		return err
	}
	if err := writePart(alt, "text/plain", m.Text); err != nil {
		return err
	}
	if err := writePart(alt, "text/html", m.HTML); err != nil {
		return err
	}
	return alt.Close()
}

// writePart adds one UTF-8, quoted-printable alternative.
func writePart(alt *gomail.InlineWriter, contentType, body string) error {
	var h gomail.InlineHeader
	h.SetContentType(contentType, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	part, err := alt.CreatePart(h)
	if err != nil {
		return err
	}
	return writeAndClose(part, body)
}

func writeAndClose(w io.WriteCloser, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}
