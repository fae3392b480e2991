package mime

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadSizesDoNotMatter parses every accepted corpus file from readers
// that return one byte, or half of what is asked, at a time: held-back line
// ends and pieces of long lines must come out the same.
func TestReadSizesDoNotMatter(t *testing.T) {
	files, _ := filepath.Glob("testdata/mime/*.eml")
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "refuse-") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Parse(bytes.NewReader(data), DefaultLimits(), nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"half":     iotest.HalfReader(bytes.NewReader(data)),
		} {
			got, err := Parse(r, DefaultLimits(), nil)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s reads: %+v, %v\nwant %+v", f, name, got, err, want)
			}
		}
	}
}

// TestDelimiterLines checks which lines end a part.
func TestDelimiterLines(t *testing.T) {
	const head = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\r\none\r\n"
	tests := []struct {
		line, text string
		defects    int
	}{
		{"--b--", "one", 0},
		{"--b-- \t", "one", 0},
		{"--b \t\r\n\r\ntwo\r\n--b--", "one\ntwo", 0},
		{"--bb\r\n--b--", "one\n--bb", 0},
		{"--b-\r\n--b--", "one\n--b-", 0},
		{"--b---\r\n--b--", "one\n--b---", 0},
		{" --b\r\n--b--", "one\n --b", 0},
		{"--B--", "one\n--B--", 1}, // boundaries are case-sensitive: never closed
	}
	for _, tt := range tests {
		m, err := Parse(strings.NewReader(head+tt.line), DefaultLimits(), nil)
		if err != nil || m.Text != tt.text || len(m.Defects) != tt.defects {
			t.Errorf("%q: Parse = %q %v, %v", tt.line, m.Text, m.Defects, err)
		}
	}
}

// TestLongLines sends lines around the scanner's buffer size through a
// part, so that a line, or its CR LF, is split between two pieces.
func TestLongLines(t *testing.T) {
	for _, n := range []int{scanBuffer - 2, scanBuffer - 1, scanBuffer, scanBuffer + 1, 3 * scanBuffer} {
		line := strings.Repeat("y", n)
		msg := "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" +
			line + "\r\n" + line + "\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n" + line + "\r\n--b--\r\n"
		m, err := Parse(strings.NewReader(msg), DefaultLimits(), nil)
		if err != nil || m.Text != line+"\n"+line || len(m.Attachments) != 1 || m.Attachments[0].Size != int64(n) || m.Defects != nil {
			t.Errorf("lines of %d: err %v, text of %d bytes, %+v", n, err, len(m.Text), m.Attachments)
		}
	}
}

// TestHeaderLines checks where a header block ends.
func TestHeaderLines(t *testing.T) {
	tests := []struct {
		name, in, subject, text string
		defects                 []string
	}{
		{"folded subject", "Subject: one\r\n two\r\n\r\nbody", "one two", "body", nil},
		{"space before colon", "Subject : spaced\r\n\r\nbody", "spaced", "body", nil},
		{"blank line with a tab", "Subject: s\r\n\t\r\nbody", "s", "body", nil},
		{"no blank line", "Subject: s\r\nthe body: not a field\r\n", "s", "the body: not a field\n",
			[]string{"message: header_without_blank_line"}},
		{"8-bit field name", "Subject: s\r\nB\xe9: x\r\n", "s", "B\uFFFD: x\n", []string{"message: header_without_blank_line"}},
		{"empty field name skipped as body", "Subject: s\r\n: x\r\n", "s", ": x\n", []string{"message: header_without_blank_line"}},
		{"header only", "Subject: s", "s", "", nil},
		{"long field", "Subject: " + strings.Repeat("z", 3*scanBuffer) + "\r\n\r\nb", strings.Repeat("z", 3*scanBuffer), "b", nil},
	}
	for _, tt := range tests {
		m, err := Parse(strings.NewReader(tt.in), DefaultLimits(), nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var got []string
		for _, d := range m.Defects {
			got = append(got, d.String())
		}
		if m.Subject != tt.subject || m.Text != tt.text || !reflect.DeepEqual(got, tt.defects) {
			t.Errorf("%s: subject %q, text %q, defects %q", tt.name, m.Subject, m.Text, got)
		}
	}
}

// TestUnsplitMultiparts checks multiparts that cannot be split: their raw
// content is the text, within MaxBodyBytes.
func TestUnsplitMultiparts(t *testing.T) {
	const head = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	m, err := Parse(strings.NewReader(head+"Only a preamble.\r\n--b--\r\nepilogue\r\n"), DefaultLimits(), nil)
	if err != nil || m.Text != "Only a preamble." || fmt.Sprint(m.Defects) != "[message: no_parts]" {
		t.Errorf("closed at once: %q %v, %v", m.Text, m.Defects, err)
	}
	long := head + strings.Repeat("x", 200) + "\r\n--c--\r\n"
	_, err = Parse(strings.NewReader(long), Limits{MaxBodyBytes: 100}, nil)
	checkRefusal(t, err, KeyBodyTooBig)
	m, err = Parse(strings.NewReader(long), Limits{MaxBodyBytes: 300}, nil)
	if err != nil || m.Text != strings.Repeat("x", 200)+"\n--c--" || fmt.Sprint(m.Defects) != "[message: boundary_not_found]" {
		t.Errorf("boundary never found: %q %v, %v", m.Text, m.Defects, err)
	}
	for name, msg := range map[string]string{
		"preamble": head + strings.Repeat("p", 500) + "\r\n--b\r\n\r\nfits\r\n--b--\r\n",
		"epilogue": head + "--b\r\n\r\nfits\r\n--b--\r\n" + strings.Repeat("p", 500),
	} {
		m, err = Parse(strings.NewReader(msg), Limits{MaxBodyBytes: 100}, nil)
		if err != nil || m.Text != "fits" || m.Defects != nil {
			t.Errorf("a long %s does not count: %q %v, %v", name, m.Text, m.Defects, err)
		}
	}
}
