package mailer

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

const testMailFrom = "bounces@sluis.test"

var messageIDRe = regexp.MustCompile(`^<[0-9a-f]{32}@sluis\.test>$`)

func testMessage() *Message {
	return &Message{
		From:    Address{Name: "Jüri Tamm via Sluis", Addr: "noreply@sluis.test"},
		To:      []Address{{Name: "Ånne Bakker", Addr: "anne@example.org"}},
		ReplyTo: &Address{Name: "Jüri Tamm", Addr: "juri@example.com"},
		Subject: "Beveiligd bericht van Jüri — één",
		Text: "Hallo Ånne,\n\nJüri stuurde u een beveiligd bericht. Open het via de link hieronder, die 30 dagen geldig blijft:\n" +
			"https://sluis.test/m/abc?t=x=y\n",
		HTML:    "<p>Hallo Ånne,</p>\n<p>Jüri stuurde u een <b>beveiligd</b> bericht.</p>\n",
		Headers: map[string]string{"X-Sluis-Kind": "notification"},
		Lang:    "nl",
	}
}

// checkMessage parses raw with net/mail and go-message and compares it with m.
func checkMessage(t *testing.T, raw []byte, m *Message) (messageID string) {
	t.Helper()
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	if i := bytes.IndexFunc(head, func(r rune) bool { return r > 127 }); i >= 0 {
		t.Errorf("header has a non-ASCII byte at %d: %q", i, head)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	checkHeader(t, msg.Header, m)
	checkParts(t, raw, m)
	return msg.Header.Get("Message-Id")
}

func checkHeader(t *testing.T, h mail.Header, m *Message) {
	t.Helper()
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	for field, want := range map[string]Address{"From": m.From, "To": m.To[0], "Reply-To": *m.ReplyTo} {
		got, err := h.AddressList(field)
		if err != nil || len(got) != 1 || got[0].Name != want.Name || got[0].Address != want.Addr {
			t.Errorf("%s = %v (%v), want %v", field, got, err, want)
		}
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := h.Get("Message-Id"); !messageIDRe.MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	for field, want := range map[string]string{
		"Auto-Submitted":   "auto-generated",
		"MIME-Version":     "1.0",
		"Content-Language": m.Lang,
		"X-Sluis-Kind":     m.Headers["X-Sluis-Kind"],
	} {
		if got := h.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
}

// checkParts wants text then HTML, quoted-printable UTF-8, with m's bodies.
func checkParts(t *testing.T, raw []byte, m *Message) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message: %v", err)
	}
	if ct, _, _ := r.Header.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type = %q", ct)
	}
	for _, want := range []struct{ ct, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("part %s: %v", want.ct, err)
		}
		ct, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, _ := io.ReadAll(p.Body)
		if ct != want.ct || params["charset"] != "utf-8" {
			t.Errorf("part Content-Type = %q %v, want %s; charset=utf-8", ct, params, want.ct)
		}
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != want.body {
			t.Errorf("%s body = %q, want %q", want.ct, got, want.body)
		}
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("third part: %v, want io.EOF", err)
	}
	if n := bytes.Count(raw, []byte("Content-Transfer-Encoding: quoted-printable")); n != 2 {
		t.Errorf("%d quoted-printable parts, want 2", n)
	}
}

func TestCompose(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	m := testMessage()
	raw, id, err := Compose(m, now, testMailFrom)
	if err != nil {
		t.Fatal(err)
	}
	if got := checkMessage(t, raw, m); got != id {
		t.Errorf("header Message-ID %q, returned %q", got, id)
	}
	msg, _ := mail.ReadMessage(bytes.NewReader(raw))
	if date, _ := msg.Header.Date(); !date.Equal(now) {
		t.Errorf("Date = %v, want %v", date, now)
	}
	_, id2, _ := Compose(m, now, testMailFrom)
	if id2 == id {
		t.Errorf("two messages share Message-ID %s", id)
	}
}

func TestComposeTextOnly(t *testing.T) {
	m := testMessage()
	m.HTML = ""
	raw, _, err := Compose(m, time.Now(), testMailFrom)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
	body, _ := io.ReadAll(p.Body)
	if ct != "text/plain" || strings.ReplaceAll(string(body), "\r\n", "\n") != m.Text {
		t.Errorf("got %s %q", ct, body)
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("second part: %v, want io.EOF", err)
	}
}

func TestComposeRefusesInvalid(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(m *Message)
		mailFrom string
	}{
		{"no recipients", func(m *Message) { m.To = nil }, testMailFrom},
		{"recipient with name in Addr", func(m *Message) { m.To[0].Addr = "Anne <anne@example.org>" }, testMailFrom},
		{"recipient without domain", func(m *Message) { m.To[0].Addr = "anne" }, testMailFrom},
		{"non-ASCII address", func(m *Message) { m.To[0].Addr = "ånne@example.org" }, testMailFrom},
		{"no From", func(m *Message) { m.From = Address{} }, testMailFrom},
		{"newline in display name", func(m *Message) { m.From.Name = "Eve\r\nBcc: x@evil.test" }, testMailFrom},
		{"bad Reply-To", func(m *Message) { m.ReplyTo.Addr = "nope" }, testMailFrom},
		{"no text", func(m *Message) { m.Text = " \n" }, testMailFrom},
		{"bad language", func(m *Message) { m.Lang = "nl; x" }, testMailFrom},
		{"header injection", func(m *Message) { m.Headers["X-Sluis-Kind"] = "a\r\nBcc: x@evil.test" }, testMailFrom},
		{"bad header name", func(m *Message) { m.Headers["X Kind"] = "a" }, testMailFrom},
		{"reserved header", func(m *Message) { m.Headers["message-id"] = "<x@y>" }, testMailFrom},
		{"content header", func(m *Message) { m.Headers["Content-Type"] = "text/html" }, testMailFrom},
		{"bad mail-from", func(m *Message) {}, "sluis.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage()
			tt.edit(m)
			raw, _, err := Compose(m, time.Now(), tt.mailFrom)
			if !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("err = %v, want ErrInvalidMessage", err)
			}
			if raw != nil || IsTemporary(err) {
				t.Errorf("got %d bytes, temporary %v", len(raw), IsTemporary(err))
			}
		})
	}
}

// FuzzCompose feeds untrusted-looking names, subjects and header values
// (display names come from senders' mail) and checks that they either fail
// validation or come back intact, without adding header fields.
func FuzzCompose(f *testing.F) {
	f.Add("Jüri Tamm", "Beveiligd bericht van Jüri — één", "notification")
	f.Add("\"Eve\" <eve@evil.test>", "=?utf-8?q?x?=", "a\r\nBcc: x@evil.test")
	f.Add("Jüri \\ Tamm", "subject", "x")
	f.Add(strings.Repeat("ß", 80), strings.Repeat("long subject ", 20), strings.Repeat("x", 1000))
	f.Fuzz(func(t *testing.T, name, subject, kind string) {
		m := testMessage()
		m.From.Name, m.Subject, m.Headers["X-Sluis-Kind"] = name, subject, kind
		raw, _, err := Compose(m, time.Now(), testMailFrom)
		if err != nil {
			return
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if len(msg.Header["Bcc"]) != 0 || len(msg.Header["From"]) != 1 || len(msg.Header["X-Sluis-Kind"]) != 1 {
			t.Fatalf("header fields changed: %v", msg.Header)
		}
		from, err := msg.Header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != m.From.Addr {
			t.Fatalf("From = %v (%v)", from, err)
		}
		// Folding may merge runs of spaces, and ASCII text that looks like
		// an encoded word is decoded by readers: compare the rest.
		got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		fields := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		if err == nil && !strings.Contains(subject, "=?") && fields(got) != fields(subject) {
			t.Fatalf("Subject = %q, want %q", got, subject)
		}
	})
}
