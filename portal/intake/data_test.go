package intake

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"sluis/db"
)

// tooManyParts is a message whose first part is an attachment the sink
// stores, and which the parser refuses later for having too many parts.
func tooManyParts() string {
	var b strings.Builder
	b.WriteString(withAttachment(alice)[:strings.Index(withAttachment(alice), "--b--")])
	for i := 0; i < 600; i++ {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return b.String()
}

// TestData runs DATA scenarios: what is accepted is submitted with its
// attachments stored; what is refused gets its reply and leaves nothing.
func TestData(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fakeSubmitter)
		msg    string
		code   int // 0: accepted
		enh    smtp.EnhancedCode
		text   string // in the reply
		sinked bool   // the sink was opened, so cleanup must have run
	}{
		{"accepted with attachment", nil, withAttachment(alice), 0, smtp.EnhancedCode{}, "", false},
		{"From: alias", nil, withAttachment(aliceAka), 0, smtp.EnhancedCode{}, "", false},
		{"From: other case", nil, withAttachment("ALICE@Example.Com"), 0, smtp.EnhancedCode{}, "", false},
		{"From: someone else", nil, withAttachment(bob), 550, smtp.EnhancedCode{5, 7, 1}, "From:", true},
		{"no From:", nil, "Subject: x\r\n\r\nbody\r\n", 550, smtp.EnhancedCode{5, 7, 1}, "From:", true},
		{"not mail", nil, "just some words\r\n", 554, smtp.EnhancedCode{5, 6, 0}, "not a mail message", true},
		{"too many parts", nil, tooManyParts(), 554, smtp.EnhancedCode{5, 6, 0}, "more than 500 MIME parts", true},
		{"database busy", func(f *fakeSubmitter) { f.err = fmt.Errorf("commit: %w", db.ErrBusy) },
			withAttachment(alice), 451, smtp.EnhancedCode{4, 3, 0}, "", true},
		{"submitter unsure", func(f *fakeSubmitter) { f.err = errors.New("disk full") },
			withAttachment(alice), 451, smtp.EnhancedCode{4, 3, 0}, "", true},
		{"submitter refuses", func(f *fakeSubmitter) {
			f.err = &RejectError{Code: 550, Enhanced: [3]int{5, 7, 1}, Message: "Your unit may not send"}
		}, withAttachment(alice), 550, smtp.EnhancedCode{5, 7, 1}, "Your unit may not send", true},
		{"submitter panics", func(f *fakeSubmitter) { f.panics = true },
			withAttachment(alice), 421, smtp.EnhancedCode{4, 0, 0}, "", true},
		{"sink fails", func(f *fakeSubmitter) { f.storeErr = db.ErrBusy },
			withAttachment(alice), 451, smtp.EnhancedCode{4, 3, 0}, "", true},
		{"no sink", func(f *fakeSubmitter) { f.sinkErr = errors.New("vault locked") },
			withAttachment(alice), 451, smtp.EnhancedCode{4, 3, 0}, "", false},
	}
	e := newEnv(t, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sub.reset()
			if tt.setup != nil {
				e.sub.set(tt.setup)
			}
			err := send(e.login(t), alice, []string{"carol@client.example", "bcc@other.example"}, tt.msg)
			subs, blobs, cleanups := e.sub.state()
			if tt.code == 0 {
				must(t, err)
				checkAccepted(t, subs, blobs)
				return
			}
			se := wantCode(t, err, tt.code, tt.enh)
			if !strings.Contains(se.Message, tt.text) {
				t.Errorf("reply %q lacks %q", se.Message, tt.text)
			}
			if len(subs) != 0 || blobs != 0 || (tt.sinked && cleanups != 1) {
				t.Errorf("left behind: %d submissions, %d blobs, %d cleanups", len(subs), blobs, cleanups)
			}
		})
	}
}

func checkAccepted(t *testing.T, subs []*Submission, blobs int) {
	t.Helper()
	if len(subs) != 1 || blobs != 1 {
		t.Fatalf("%d submissions, %d blobs", len(subs), blobs)
	}
	s := subs[0]
	atts := s.Message.Attachments
	if len(atts) != 1 || atts[0].Filename != "x.pdf" || atts[0].Ref == "" || s.Message.Subject != "report" {
		t.Errorf("message %+v", s.Message)
	}
	if s.MailFrom != alice || len(s.Rcpts) != 2 || s.Rcpts[1] != "bcc@other.example" || s.Size == 0 || s.RemoteAddr == "" {
		t.Errorf("submission %+v", s)
	}
}

// TestBrokenStructureAccepted submits a mail that mail readers show although
// its structure is broken (an empty part, no closing boundary): it is
// accepted and handed on with its defects, where it used to get 554.
func TestBrokenStructureAccepted(t *testing.T) {
	e := newEnv(t, nil, nil)
	msg := strings.Replace(strings.TrimSuffix(withAttachment(alice), "--b--\r\n"), "--b\r\n", "--b\r\n--b\r\n", 1)
	must(t, send(e.login(t), alice, []string{"carol@client.example", "bcc@other.example"}, msg))
	subs, blobs, _ := e.sub.state()
	checkAccepted(t, subs, blobs)
	if got := fmt.Sprint(subs[0].Message.Defects); got != "[part 1: empty_part message: closing_boundary_missing]" {
		t.Errorf("defects %s", got)
	}
}

// TestOversize refuses a message over MaxMessageBytes with 552 and deletes
// the attachment stored before the limit was reached.
func TestOversize(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxMessageBytes = 8 << 10 }, nil)
	c := e.login(t)
	if size, ok := c.MaxMessageSize(); !ok || size != 8<<10 {
		t.Errorf("SIZE advertised as %d, %v", size, ok)
	}
	msg := withAttachment(alice)
	i := strings.Index(msg, "--b--")
	big := msg[:i] + "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\n" +
		strings.Repeat(strings.Repeat("A", 76)+"\r\n", 200) + "--b--\r\n"
	wantCode(t, send(c, alice, []string{"carol@client.example"}, big), 552, smtp.EnhancedCode{5, 3, 4})
	subs, blobs, cleanups := e.sub.state()
	if len(subs) != 0 || blobs != 0 || cleanups != 1 {
		t.Errorf("left behind: %d submissions, %d blobs, %d cleanups", len(subs), blobs, cleanups)
	}
	must(t, send(c, alice, []string{"carol@client.example"}, mail(alice, "small", "fits"))) // the session goes on
}

// TestExactSize accepts a message of exactly the advertised SIZE, by DATA
// and by BDAT, and refuses one byte more with 552 (RFC 1870: the size
// counts every octet of the message, not the end-of-data line).
func TestExactSize(t *testing.T) {
	const limit = 8 << 10
	e := newEnv(t, func(o *Options) { o.MaxMessageBytes = limit }, nil)
	c := e.login(t)
	if size, ok := c.MaxMessageSize(); !ok || size != limit {
		t.Fatalf("SIZE advertised as %d, %v", size, ok)
	}
	must(t, send(c, alice, []string{"carol@client.example"}, sized(limit)))
	subs, _, _ := e.sub.state()
	if len(subs) != 1 || subs[0].Size != limit {
		t.Fatalf("submitted %d messages, want one of %d bytes", len(subs), limit)
	}
	wantCode(t, send(c, alice, []string{"carol@client.example"}, sized(limit+1)), 552, smtp.EnhancedCode{5, 3, 4})

	raw := rawDial(t, e.addr)
	raw.cmd(t, "EHLO client.test", 250)
	raw.cmd(t, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", 235)
	for _, n := range []int{limit, limit + 1} {
		raw.cmd(t, "MAIL FROM:<"+alice+">", 250)
		raw.cmd(t, "RCPT TO:<carol@client.example>", 250)
		raw.write(t, fmt.Sprintf("BDAT %d LAST\r\n%s", n, sized(n)))
		raw.expect(t, map[int]int{limit: 250, limit + 1: 552}[n])
	}
	if subs, _, _ := e.sub.state(); len(subs) != 2 {
		t.Errorf("%d messages submitted, want 2 of exactly the limit", len(subs))
	}
}

// sized is a message from alice of exactly n bytes, in short lines.
func sized(n int) string {
	head := "From: " + alice + "\r\nTo: carol@client.example\r\nSubject: sized\r\n\r\n"
	var b strings.Builder
	b.WriteString(head)
	for left := n - len(head); left > 0; {
		line := min(left, 78) // with its CRLF
		if left-line == 1 {
			line-- // leave two bytes, an empty line, rather than one
		}
		b.WriteString(strings.Repeat("x", line-2) + "\r\n")
		left -= line
	}
	return b.String()
}

// TestLongLine refuses a line longer than go-smtp's limit permanently.
func TestLongLine(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.login(t)
	err := send(c, alice, []string{"carol@client.example"}, mail(alice, "long", strings.Repeat("x", 3000)))
	wantCode(t, err, 554, smtp.EnhancedCode{5, 6, 0})
	if _, _, cleanups := e.sub.state(); cleanups != 1 {
		t.Errorf("%d cleanups", cleanups)
	}
}

// TestBDAT submits through CHUNKING, which go-smtp always offers and which
// runs Data on another goroutine.
func TestBDAT(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := rawDial(t, e.addr)
	c.cmd(t, "EHLO client.test", 250)
	c.cmd(t, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", 235)
	c.cmd(t, "MAIL FROM:<"+alice+">", 250)
	c.cmd(t, "RCPT TO:<carol@client.example>", 250)
	c.cmd(t, "RCPT TO:<bcc@other.example>", 250)
	msg := withAttachment(alice)
	half := len(msg) / 2
	c.write(t, fmt.Sprintf("BDAT %d\r\n%s", half, msg[:half]))
	c.expect(t, 250)
	c.write(t, fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-half, msg[half:]))
	c.expect(t, 250)
	subs, blobs, _ := e.sub.state()
	checkAccepted(t, subs, blobs)
}
