package mime

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// holdsMarker reports whether s still shows a start marker, in any form.
func holdsMarker(s string) bool {
	low := asciiLower(s)
	return strings.Contains(low, startMarker) || strings.Contains(low, startEscaped)
}

// FuzzParseControlBlock checks the properties every caller relies on. Seeds
// are in testdata/fuzz/FuzzParseControlBlock.
func FuzzParseControlBlock(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		cb, out := ParseControlBlock(s)
		stripped := StripControlBlocks(s)
		if out != stripped {
			t.Fatalf("ParseControlBlock and StripControlBlocks disagree:\n%q\n%q", out, stripped)
		}
		if again := StripControlBlocks(stripped); again != stripped {
			t.Fatalf("StripControlBlocks is not idempotent:\n%q\n%q", stripped, again)
		}
		if cb.Found != holdsMarker(s) {
			t.Fatalf("Found = %v for %q", cb.Found, s)
		}
		if !cb.Found && out != s {
			t.Fatalf("no block found, yet the text changed: %q -> %q", s, out)
		}
		if cb.Found && holdsMarker(out) {
			t.Fatalf("a start marker survived: %q -> %q", s, out)
		}
		if len(out) > len(s) {
			t.Fatalf("output grew: %d > %d", len(out), len(s))
		}
		checkBlock(t, cb)
	})
}

func checkBlock(t *testing.T, cb ControlBlock) {
	t.Helper()
	for _, r := range cb.Rights {
		if normalizeEmail(r.Email) != r.Email || r.Method != "sms" || r.Phone == "" || r.Line < 1 {
			t.Fatalf("bad right %+v", r)
		}
	}
	for _, p := range cb.Problems {
		if !utf8.ValidString(p.Text) || utf8.RuneCountInString(p.Text) > maxProblemText || p.Reason == "" {
			t.Fatalf("bad problem %+v", p)
		}
	}
}

// FuzzParse feeds arbitrary bytes to Parse under small limits: it must
// never panic, never fail except with a refusal (the input cannot fail),
// never return text that is not UTF-8 or still holds a block, record only
// known defects, and give the same result however the input is chunked.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/mime/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	lim := Limits{MaxHeaderBytes: 4 << 10, MaxParts: 40, MaxDepth: 6, MaxBodyBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data), lim, nil)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !e.Permanent || e.Msg == "" {
				t.Fatalf("Parse failed without a refusal: %v", err)
			}
			return
		}
		var total int64
		for _, a := range m.Attachments {
			total += a.Size
		}
		// Bare LF is read as CRLF, so raw bytes may double; decoding never
		// grows them further.
		if total > 2*int64(len(data)) || len(m.Text)+len(m.HTML) > 3*(64<<10)+len(data) {
			t.Fatalf("more out than in: attachments %d, text %d, html %d, input %d",
				total, len(m.Text), len(m.HTML), len(data))
		}
		for _, s := range []string{m.Text, m.HTML, m.Subject, m.From.Name} {
			if !utf8.ValidString(s) {
				t.Fatalf("output is not UTF-8: %q", s)
			}
		}
		if holdsMarker(m.Text) || holdsMarker(m.HTML) {
			t.Fatalf("a control block survived: %q %q", m.Text, m.HTML)
		}
		checkDefectList(t, m.Defects)
		again, err := Parse(iotest.OneByteReader(bytes.NewReader(data)), lim, nil)
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("read a byte at a time: %+v, %v\nat once: %+v", again, err, m)
		}
	})
}

// defectKinds are the kinds Parse may record.
var defectKinds = map[string]bool{
	DefectMboxFromLine: true, DefectHeaderStartsFolded: true, DefectNoBlankLine: true, DefectNoHeader: true,
	DefectEmptyPart: true, DefectNoBoundary: true, DefectBoundaryNotFound: true, DefectNoParts: true,
	DefectBoundaryReused: true, DefectUnclosed: true, DefectUnknownCharset: true, DefectUnknownEncoding: true,
}

// wherePattern is what Defect.Where looks like.
var wherePattern = regexp.MustCompile(`^(message|part [1-9][0-9]*(\.[1-9][0-9]*)*)$`)

func checkDefectList(t *testing.T, ds []Defect) {
	t.Helper()
	if len(ds) > maxDefects || (ds != nil && len(ds) == 0) {
		t.Fatalf("%d defects", len(ds))
	}
	for _, d := range ds {
		if !defectKinds[d.Kind] || !wherePattern.MatchString(d.Where) {
			t.Fatalf("bad defect %+v", d)
		}
	}
}

// hostileHeaders are fields near the header limit built to make a parser
// work hard: an endless comment, thousands of encoded-words, of empty
// addresses, of RFC 2231 continuations.
func hostileHeaders() map[string]string {
	values := map[string]string{
		"comment":  "(" + strings.Repeat("a", 250000),
		"words":    strings.Repeat("=?utf-8?q?a?= ", 18000),
		"commas":   strings.Repeat("a,", 125000),
		"rfc2231":  "x; " + strings.Repeat("filename*1=a;", 19000),
		"brackets": strings.Repeat("<", 250000),
	}
	out := map[string]string{}
	for _, field := range []string{"Message-Id", "In-Reply-To", "To", "Subject", "Date", "Content-Type", "Content-Disposition"} {
		for name, v := range values {
			out[field+"/"+name] = "From: a@b.example\r\n" + field + ": " + v + "\r\n\r\nbody\r\n"
		}
	}
	return out
}

// TestHostileHeaders checks that such fields are parsed or refused, never
// fatal. BenchmarkHostileHeaders measures that they stay cheap.
func TestHostileHeaders(t *testing.T) {
	for name, msg := range hostileHeaders() {
		m, err := Parse(strings.NewReader(msg), DefaultLimits(), nil)
		if err != nil {
			checkRefusal(t, err, KeyNotMail)
			continue
		}
		if len(m.MessageID) > maxIDBytes || len(m.InReplyTo) > maxIDBytes {
			t.Errorf("%s: identifiers of %d and %d bytes", name, len(m.MessageID), len(m.InReplyTo))
		}
	}
}

func BenchmarkHostileHeaders(b *testing.B) {
	msgs := hostileHeaders()
	for b.Loop() {
		for _, msg := range msgs {
			_, _ = Parse(strings.NewReader(msg), DefaultLimits(), nil)
		}
	}
}
