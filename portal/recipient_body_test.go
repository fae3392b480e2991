package portal

import (
	"net/http"
	"strings"
	"testing"
)

const bothPartsMail = `From: "Dr. Anna Arts" <arts@zkh.example>
To: patient@example.com
Subject: Uitslag
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Beste mevrouw Jansen, zie https://zkh.example/info.
--alt
Content-Type: text/html; charset=utf-8

<p style="color:#c00000">Beste mevrouw <b>Jansen</b></p><img src="https://tracker.example/p.gif">
--alt--
`

// TestMessageBodyFrame: the page shows the HTML part in a sandboxed frame
// and offers the text; the frame's document has its own strict CSP and
// the letter's styles; ?view=text shows the text without JavaScript; a
// visitor without the session gets neither.
func TestMessageBodyFrame(t *testing.T) {
	re := newRecipientEnv(t, nil)
	re.w.AddPhone(t, "patient@example.com", "+31612345678")
	_, rs := re.w.Submit(t, bothPartsMail, "patient@example.com")
	link := re.w.Path(rs[0])

	stranger := re.browser(t)
	if p := stranger.get(link + "/body"); p.status != http.StatusSeeOther || strings.Contains(p.body, "Jansen") {
		t.Errorf("body without a session: %d %q", p.status, p.body)
	}

	b := re.browser(t)
	b.verifyBySMS(rs[0])
	p := b.get(link + "/read")
	mustContain(t, "page", p, http.StatusOK,
		`<iframe class="mail-frame" src="`+link+`/body" title="The message as its sender wrote it" sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"`,
		`<a href="`+link+`/read?view=text">Show as plain text</a>`, `1 image from the internet was not loaded`)
	mustLack(t, "page", p, "Beste mevrouw", "style=")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("page CSP %q", csp)
	}

	f := b.get(link + "/body")
	mustContain(t, "frame", f, http.StatusOK, `<p style="color: #c00000">Beste mevrouw <b>Jansen</b></p><img alt=""/>`)
	mustLack(t, "frame", f, "tracker.example")
	for header, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; " +
			"base-uri 'none'; frame-ancestors 'self'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox",
		"X-Frame-Options": "SAMEORIGIN",
		"Referrer-Policy": "no-referrer",
		"Cache-Control":   "no-store",
	} {
		if got := f.header.Get(header); got != want {
			t.Errorf("frame %s: %q, want %q", header, got, want)
		}
	}

	shown := b.get(link + "/body?images=1")
	mustContain(t, "frame with images", shown, http.StatusOK,
		`<img src="https://tracker.example/p.gif" alt="" referrerpolicy="no-referrer"/>`)
	if csp := shown.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https: http:;") {
		t.Errorf("frame with images CSP %q", csp)
	}
	if p := b.get(link + "/read?images=1"); !strings.Contains(p.body, `src="`+link+`/body?images=1"`) {
		t.Errorf("page with images: %s", mainOf(p.body))
	}

	text := b.get(link + "/read?view=text")
	mustContain(t, "text view", text, http.StatusOK, `<div class="mail-text">Beste mevrouw Jansen, zie <a href="https://zkh.example/info"`,
		`This message is shown as plain text. <a href="`+link+`/read">Show as its sender formatted it</a>`)
	mustLack(t, "text view", text, "<iframe")
}
