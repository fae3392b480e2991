package mailhtml

import (
	"encoding/base64"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSanitizeKeepsTheLetterStyles: the Outlook letter's style block and
// inline styles reach the output as safe style attributes.
func TestSanitizeKeepsTheLetterStyles(t *testing.T) {
	raw, err := os.ReadFile("testdata/letter.html")
	if err != nil {
		t.Fatal(err)
	}
	out := string(Sanitize(string(raw), Options{Inline: map[string]string{}}).HTML)
	for _, want := range []string{
		`style="color: #c00000; font-weight: bold"`, // p.Waarschuwing
		`<p style="text-align: right">`,             // p.Datum
		`<table style="border-collapse: collapse">`, // table.Bedragen
		`background: #d9e2f3; border: solid windowtext 1pt`,
		`font-family: &#34;Calibri&#34;, sans-serif`, // p.MsoNormal
		`style="color: #0563c1; text-decoration: underline"`,
		`<span style="font-size: 14pt">`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lost %s", want)
		}
	}
	if problem := unsafeMarkup(t, out, false); problem != "" {
		t.Errorf("%s in\n%s", problem, out)
	}
}

func TestSanitizeCarriesTheBodyStyle(t *testing.T) {
	out := string(Sanitize(`<html><body style="background:#eeeeee;color:navy"><p>Beste</p></body></html>`, Options{}).HTML)
	if !strings.Contains(out, `<div style="background: #eeeeee; color: navy"><p>Beste</p></div>`) {
		t.Errorf("got %s", out)
	}
}

// TestSanitizeWithoutStylesWhenTheyCannotBeApplied: a body InlineStyles
// refuses keeps its text and loses all its CSS, raw styles included.
func TestSanitizeWithoutStylesWhenTheyCannotBeApplied(t *testing.T) {
	body := `<style>p{color:red}</style><p style="color:blue">Beste</p>` + strings.Repeat("<p>x</p>", maxInlineInput/8)
	out := string(Sanitize(body, Options{}).HTML)
	if !strings.Contains(out, "<p>Beste</p>") || strings.Contains(out, "style") {
		t.Errorf("got %.200s", out)
	}
}

func TestSanitizeDataImages(t *testing.T) {
	png := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nrest"))
	svg := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg onload="alert(1)"/>`))
	big := "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, maxDataImage))
	for _, c := range []struct {
		body string
		kept bool
	}{
		{`<img src="` + png + `" alt="logo">`, true},
		{`<img src="` + strings.Replace(png, "image/png", "IMAGE/PNG", 1) + `" alt="logo">`, true},
		{`<img src="` + svg + `" alt="logo">`, false},
		{`<img src="` + big + `" alt="logo">`, false},
		{`<img src="data:image/png;base64,not base64!" alt="logo">`, false},
		{`<img src="data:text/html;base64,PHNjcmlwdD4=" alt="logo">`, false},
	} {
		out := string(Sanitize(c.body, Options{}).HTML)
		if kept := strings.Contains(out, "src="); kept != c.kept {
			t.Errorf("%.60s: kept %v, got %.120s", c.body, kept, out)
		}
	}
	if out := string(Sanitize(`<a href="`+png+`">x</a>`, Options{}).HTML); strings.Contains(out, "data:") {
		t.Errorf("a data: link survived: %s", out)
	}
}

// TestSanitizeImagesAlwaysHaveAnAlt: a held-back image without a text
// alternative gets an empty one; a shown remote image sends no Referer.
func TestSanitizeImagesAlwaysHaveAnAlt(t *testing.T) {
	body := `<img src="https://tracker.example/a.gif" width="1" height="1"><img src="cid:logo@x" width="120" height="40">`
	blocked := Sanitize(body, Options{Inline: inline})
	want := `<img width="1" height="1" alt=""><img src="/m/t/inline/0" width="120" height="40" alt="">`
	if string(blocked.HTML) != want || blocked.Blocked != 1 {
		t.Errorf("blocked: got %s (%d)\nwant %s", blocked.HTML, blocked.Blocked, want)
	}
	shown := string(Sanitize(body+`<img src="x" referrerpolicy="unsafe-url">`, Options{Inline: inline, RemoteImages: true}).HTML)
	if !strings.Contains(shown, `<img src="https://tracker.example/a.gif" width="1" height="1" alt="" referrerpolicy="no-referrer">`) ||
		strings.Contains(shown, "unsafe-url") {
		t.Errorf("shown: %s", shown)
	}
}

// BenchmarkSanitize50KB is the sanitize-once step for a 50 KB Outlook
// letter: style blocks applied, then the policy with safe styles and the
// image pass. It runs once per message, on its first read.
func BenchmarkSanitize50KB(b *testing.B) {
	doc := outlookLetter(b, 50<<10)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		Sanitize(doc, Options{Inline: inline})
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkSanitizeWithoutStyles50KB is the same letter through the
// policy without styles and the image pass: what every view of a message
// cost before bodies were sanitized once (and what a body InlineStyles
// refuses costs now).
func BenchmarkSanitizeWithoutStyles50KB(b *testing.B) {
	doc := outlookLetter(b, 50<<10)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		plainPolicy.Sanitize(doc)
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time the process used so far: on a shared machine
// it says more than the wall time per operation.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
