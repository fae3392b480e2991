package receipts

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// MDN is what a message disposition notification (RFC 8098) says.
type MDN struct {
	From              mail.Address // Sluis's own address: the notification is sent on the reader's behalf
	To                string       // the requester
	Subject           string
	Text              string // the human-readable part
	ReportingUA       string // "sluis.example.org; Sluis"
	Recipient         string // the reader's address: Original- and Final-Recipient
	OriginalMessageID string // without angle brackets; "" when the message had none
	Automatic         bool   // sent by the unit's rule, not by the reader's click
	Date              time.Time
}

// Disposition is the Disposition field's value.
func (m MDN) Disposition() string {
	if m.Automatic {
		return "automatic-action/MDN-sent-automatically; displayed"
	}
	return "manual-action/MDN-sent-manually; displayed"
}

var errHeaderBreak = errors.New("receipts: a header value contains a line break")

// Build writes the notification: multipart/report with
// report-type=disposition-notification, a text/plain part for people and
// a message/disposition-notification part for programs.
func Build(m MDN) ([]byte, error) {
	m.Subject = strings.NewReplacer("\r", " ", "\n", " ").Replace(m.Subject) // a subject is text, never a header break
	for _, v := range []string{m.To, m.Subject, m.ReportingUA, m.Recipient, m.OriginalMessageID, m.From.Address, m.From.Name} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, errHeaderBreak
		}
	}
	var h mail.Header
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{&m.From})
	h.SetAddressList("To", []*mail.Address{{Address: m.To}})
	h.SetSubject(m.Subject)
	id, err := messageID(m.From.Address)
	if err != nil {
		return nil, err
	}
	h.SetMessageID(id)
	if m.OriginalMessageID != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.OriginalMessageID})
		h.SetMsgIDList("References", []string{m.OriginalMessageID})
	}
	if m.Automatic {
		h.Set("Auto-Submitted", "auto-replied") // RFC 3834; RFC 8098 section 5
	}
	h.SetContentType("multipart/report", map[string]string{"report-type": "disposition-notification"})
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, err
	}
	if err := writeText(w, m.Text); err != nil {
		return nil, err
	}
	if err := writeReport(w, m); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeText(w *message.Writer, text string) error {
	var ph message.Header
	ph.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	ph.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := w.CreatePart(ph)
	if err != nil {
		return err
	}
	if _, err := pw.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return err
	}
	return pw.Close()
}

// writeReport writes the machine-readable fields (RFC 8098 section 3.2).
func writeReport(w *message.Writer, m MDN) error {
	var ph message.Header
	ph.SetContentType("message/disposition-notification", nil)
	pw, err := w.CreatePart(ph)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Reporting-UA: %s\r\n", m.ReportingUA)
	fmt.Fprintf(&b, "Original-Recipient: rfc822;%s\r\n", m.Recipient)
	fmt.Fprintf(&b, "Final-Recipient: rfc822;%s\r\n", m.Recipient)
	if m.OriginalMessageID != "" {
		fmt.Fprintf(&b, "Original-Message-ID: <%s>\r\n", m.OriginalMessageID)
	}
	fmt.Fprintf(&b, "Disposition: %s\r\n", m.Disposition())
	if _, err := pw.Write([]byte(b.String())); err != nil {
		return err
	}
	return pw.Close()
}

// messageID is a new Message-ID (without brackets) at the domain of from.
func messageID(from string) (string, error) {
	at := strings.LastIndexByte(from, '@')
	if at < 0 {
		return "", fmt.Errorf("receipts: mail-from %q has no domain", from)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b) + "@" + from[at+1:], nil
}
