package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// countingReader counts what Parse pulled from the input.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless repeats a line forever: an attacker's header with no end.
type endless struct{ line []byte }

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.line[i%len(e.line)]
	}
	return len(p), nil
}

// TestHeaderBudget checks that an endless header, top-level or in a part,
// is refused after at most the header budget has been read.
func TestHeaderBudget(t *testing.T) {
	lim := DefaultLimits()
	prefixes := map[string]string{
		"top":    "From: a@b.example\r\n",
		"part":   "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
		"nested": "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n",
	}
	for name, prefix := range prefixes {
		t.Run(name, func(t *testing.T) {
			in := &countingReader{r: io.MultiReader(strings.NewReader(prefix), endless{[]byte("X-Junk: 0123456789\r\n")})}
			_, err := Parse(in, lim, nil)
			checkRefusal(t, err, KeyHeaderTooBig)
			// The scanner's buffer and the line-end reader's read-ahead
			// may hold bytes beyond the header.
			if max := int64(len(prefix)) + int64(lim.MaxHeaderBytes) + 2*scanBuffer; in.n > max {
				t.Errorf("read %d bytes, want at most %d", in.n, max)
			}
		})
	}
}

// nested builds a message whose body is depth multiparts deep.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("From: a@b.example\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--n%d--\r\n", i)
	}
	return b.String()
}

// manyParts builds a multipart with n text parts: n+1 entities in all.
func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n")
	for range n {
		b.WriteString("--m\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--m--\r\n")
	return b.String()
}

func TestCountLimitsAreExact(t *testing.T) {
	lim := Limits{MaxDepth: 5, MaxParts: 10}
	tests := []struct {
		name   string
		in     string
		refuse string
	}{
		{"depth at the limit", nested(5), ""},
		{"depth over the limit", nested(6), KeyTooDeep},
		{"parts at the limit", manyParts(9), ""},
		{"parts over the limit", manyParts(10), KeyTooManyParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.in), lim, nil)
			if tt.refuse != "" {
				checkRefusal(t, err, tt.refuse)
				return
			}
			if err != nil || !strings.HasPrefix(m.Text, "deep") && !strings.HasPrefix(m.Text, "x") {
				t.Fatalf("Parse = %+v, %v", m, err)
			}
		})
	}
}

// TestBodyBudgetIsShared checks that MaxBodyBytes bounds all text and HTML
// together and that attachments do not count against it.
func TestBodyBudgetIsShared(t *testing.T) {
	part := func(ct, disp, body string) string {
		return "--b\r\nContent-Type: " + ct + "\r\n" + disp + "\r\n" + body + "\r\n"
	}
	msg := func(parts ...string) string {
		return "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Join(parts, "") + "--b--\r\n"
	}
	lim := Limits{MaxBodyBytes: 100}
	text, html := strings.Repeat("t", 60), strings.Repeat("h", 60)
	big := strings.Repeat("a", 10000)

	_, err := Parse(strings.NewReader(msg(part("text/plain", "", text), part("text/html", "", html))), lim, nil)
	checkRefusal(t, err, KeyBodyTooBig)

	m, err := Parse(strings.NewReader(msg(part("text/plain", "", text),
		part("text/plain", "Content-Disposition: attachment; filename=big.txt\r\n", big))), lim, nil)
	if err != nil || m.Text != text || len(m.Attachments) != 1 || m.Attachments[0].Size != int64(len(big)) {
		t.Fatalf("Parse = %+v, %v", m, err)
	}
}

func TestZeroLimitsMeanDefaults(t *testing.T) {
	if got := (Limits{}).withDefaults(); got != DefaultLimits() {
		t.Fatalf("withDefaults = %+v", got)
	}
	m, err := Parse(bytes.NewReader([]byte("Subject: hi\r\n\r\nbody\r\n")), Limits{}, nil)
	if err != nil || m.Text != "body\n" {
		t.Fatalf("Parse = %+v, %v", m, err)
	}
}

func TestErrorText(t *testing.T) {
	e := refuse(KeyNotMail, errors.New("bad line \"\x89PNG\r\n"+strings.Repeat("x", 500)), "Not mail.")
	s := e.Error()
	if !strings.HasPrefix(s, "Not mail. (cause: ") || strings.ContainsAny(s, "\r\n") || strings.IndexByte(s, 0x89) >= 0 || len(s) > 300 {
		t.Fatalf("Error() = %q", s)
	}
	if size(256<<10) != "256 KiB" || size(16<<20) != "16 MiB" || size(1000) != "1000 bytes" {
		t.Fatal("size() formats badly")
	}
}
