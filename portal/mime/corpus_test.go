package mime

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantAtt is an expected attachment; an empty sum or head is not checked.
type wantAtt struct {
	name, ctype, cid string
	size             int64
	inline           bool
	sum, head        string
}

const (
	pdfSum = "53c05a2142e11d19068ddff263fc7f4892dcb528cb47ec4675e0af8d847bdf21"
	pngSum = "62d7693d527ce6e5cf4a4f54478b889fe3e01a144d09a0a0482ca512d4225b3a"
)

func pdf(name string) wantAtt {
	return wantAtt{name: name, ctype: "application/pdf", size: 511, sum: pdfSum, head: "%PDF-1.4"}
}

func png(name, cid string, inline bool) wantAtt {
	return wantAtt{name: name, ctype: "image/png", cid: cid, size: 66, inline: inline, sum: pngSum, head: "\x89PNG"}
}

// corpusCase is what one file in testdata/mime must give.
type corpusCase struct {
	lim            func(*Limits) // changes to DefaultLimits
	refuse         string        // the *Error Key, when the file must be refused
	subject, from  string
	to, cc         int
	text, noText   []string // substrings of Text
	html, noHTML   []string // substrings of HTML
	atts           []wantAtt
	rights         []string // Control.Rights emails; nil: no block
	problems       []string // Control.Problems reasons
	defects        []string // Defects as "where: kind"; nil: none
	check          func(t *testing.T, m *Message)
	textIs, htmlIs *string
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/mime/*.eml")
	if err != nil || len(files) < 30 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		tc, ok := corpus[name]
		if !ok {
			t.Errorf("%s has no entry in the corpus table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCorpusCase(t, f, tc)
		})
	}
	for name := range corpus {
		if !seen[name] {
			t.Errorf("corpus table names %s, which is not in testdata/mime", name)
		}
	}
}

func runCorpusCase(t *testing.T, file string, tc corpusCase) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	if tc.lim != nil {
		tc.lim(&lim)
	}
	sink := &testSink{}
	m, err := Parse(bytes.NewReader(data), lim, sink)
	if tc.refuse != "" {
		checkRefusal(t, err, tc.refuse)
		return
	}
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkEnvelope(t, m, tc)
	checkBodies(t, m, tc)
	checkAttachments(t, m, sink, tc.atts)
	checkControl(t, m.Control, tc.rights, tc.problems)
	checkDefects(t, m.Defects, tc.defects)
	if tc.check != nil {
		tc.check(t, m)
	}
}

func checkRefusal(t *testing.T, err error, key string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want refusal %s, got %v", key, err)
	}
	if e.Key != key || !e.Permanent || !strings.HasSuffix(e.Msg, ".") {
		t.Errorf("refusal = %+v, want key %s, permanent, a sentence", e, key)
	}
}

func checkEnvelope(t *testing.T, m *Message, tc corpusCase) {
	t.Helper()
	if m.Subject != tc.subject {
		t.Errorf("Subject = %q, want %q", m.Subject, tc.subject)
	}
	if tc.from != "" && m.From.Addr != tc.from {
		t.Errorf("From = %+v, want %s", m.From, tc.from)
	}
	if tc.to != 0 && len(m.To) != tc.to {
		t.Errorf("To has %d addresses, want %d: %+v", len(m.To), tc.to, m.To)
	}
	if len(m.Cc) != tc.cc {
		t.Errorf("Cc has %d addresses, want %d: %+v", len(m.Cc), tc.cc, m.Cc)
	}
}

func checkBodies(t *testing.T, m *Message, tc corpusCase) {
	t.Helper()
	checkText(t, "Text", m.Text, tc.text, tc.noText, tc.textIs)
	checkText(t, "HTML", m.HTML, tc.html, tc.noHTML, tc.htmlIs)
	for _, s := range []string{m.Text, m.HTML} {
		if strings.Contains(strings.ToLower(s), "zivver") || strings.Contains(s, "\r\n") {
			t.Errorf("body keeps a control block or a CRLF: %q", s)
		}
	}
}

func checkText(t *testing.T, what, got string, has, hasNot []string, is *string) {
	t.Helper()
	if is != nil && got != *is {
		t.Errorf("%s = %q, want %q", what, got, *is)
	}
	for _, s := range has {
		if !strings.Contains(got, s) {
			t.Errorf("%s = %q, want it to contain %q", what, got, s)
		}
	}
	for _, s := range hasNot {
		if strings.Contains(got, s) {
			t.Errorf("%s = %q, want it without %q", what, got, s)
		}
	}
}

func checkAttachments(t *testing.T, m *Message, sink *testSink, want []wantAtt) {
	t.Helper()
	if len(m.Attachments) != len(want) || len(sink.got) != len(want) {
		t.Fatalf("%d attachments (%d sunk), want %d: %+v", len(m.Attachments), len(sink.got), len(want), m.Attachments)
	}
	for i, w := range want {
		a, s := m.Attachments[i], sink.got[i]
		info := AttachmentInfo{Filename: w.name, ContentType: w.ctype, ContentID: w.cid, Inline: w.inline}
		if a.AttachmentInfo != info || s.info != info {
			t.Errorf("attachment %d = %+v, want %+v", i, a.AttachmentInfo, info)
		}
		if a.Size != w.size || s.size != w.size || a.Ref != "ref-"+w.name {
			t.Errorf("attachment %d: size %d (sink %d), ref %q; want %d", i, a.Size, s.size, a.Ref, w.size)
		}
		if (w.sum != "" && s.sum != w.sum) || !strings.HasPrefix(s.head, w.head) {
			t.Errorf("attachment %d: content %s %q, want %s %q", i, s.sum, s.head, w.sum, w.head)
		}
	}
}

func checkControl(t *testing.T, cb ControlBlock, rights, problems []string) {
	t.Helper()
	if cb.Found != (rights != nil) {
		t.Fatalf("Control.Found = %v, want %v", cb.Found, rights != nil)
	}
	var gotRights, gotProblems []string
	for _, r := range cb.Rights {
		gotRights = append(gotRights, r.Email)
	}
	for _, p := range cb.Problems {
		gotProblems = append(gotProblems, p.Reason)
	}
	if strings.Join(gotRights, ",") != strings.Join(rights, ",") ||
		strings.Join(gotProblems, ",") != strings.Join(problems, ",") {
		t.Errorf("control block: rights %v problems %v; want %v %v", gotRights, gotProblems, rights, problems)
	}
}

func checkDefects(t *testing.T, got []Defect, want []string) {
	t.Helper()
	var names []string
	for _, d := range got {
		names = append(names, d.String())
	}
	if strings.Join(names, "; ") != strings.Join(want, "; ") {
		t.Errorf("defects %q, want %q", names, want)
	}
}
