package portal

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluis/portal/devbox"
)

func TestDevOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	box, err := devbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	mail, err := box.PutMail([]byte("From: sluis@example.org\r\nTo: ann@example.com, Bob <bob@example.net>\r\n"+
		"Subject: A secure message for you\r\n\r\n<script>alert(1)</script>\xff"), at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := box.PutMail([]byte("To: cas@example.org\r\n\r\nno subject"), at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	text, err := box.PutText("+31612345678", "msg-1", "Uw code is 493817", at.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	dev := newEnv(t, func(o *Options) { o.Dev, o.Outbox = true, box })
	for _, sc := range []scenario{
		{name: "list", target: "/dev/outbox", status: http.StatusOK, contains: []string{
			`href="/dev/outbox/` + mail + `"`, "A secure message for you", "ann@example.com, Bob &lt;bob@example.net&gt;",
			`datetime="2026-03-04T05:06:07Z">4 March 2026, 06:06</time>`, "(no subject)", `class="dev-banner"`,
			`href="/dev/outbox/` + text + `"`, "SMS: Uw code is 493817", "&#43;31612345678"}},
		{name: "list in Dutch", target: "/dev/outbox", header: map[string]string{"Accept-Language": "nl"},
			status: http.StatusOK, contains: []string{"<h1>Test-outbox</h1>", "(geen onderwerp)", "4 maart 2026 om 06:06"}},
		{name: "mail is escaped", target: "/dev/outbox/" + mail, status: http.StatusOK,
			contains: []string{"&lt;script&gt;alert(1)&lt;/script&gt;\uFFFD", "Raw message"}, absent: []string{"<script>alert(1)"}},
		{name: "text", target: "/dev/outbox/" + text, status: http.StatusOK, contains: []string{"Reference: msg-1", "Uw code is 493817"}},
		{name: "unknown id", target: "/dev/outbox/20260304T050607.000000000Z-00000000", status: http.StatusNotFound,
			contains: []string{"Page not found"}},
		{name: "implausible id", target: "/dev/outbox/..m1", status: http.StatusNotFound},
	} {
		t.Run(sc.name, func(t *testing.T) { dev.check(t, sc) })
	}

	off := newEnv(t, func(o *Options) { o.Outbox = box })
	off.check(t, scenario{target: "/dev/outbox", status: http.StatusNotFound})
	off.check(t, scenario{target: "/dev/outbox/" + mail, status: http.StatusNotFound, absent: []string{"alert"}})
	off.check(t, scenario{target: "/about", status: http.StatusOK, absent: []string{"dev-banner", "/dev/outbox"}})

	none := newEnv(t, func(o *Options) { o.Dev = true })
	none.check(t, scenario{target: "/dev/outbox", status: http.StatusOK, contains: []string{"No outbox is configured."}})
	none.check(t, scenario{target: "/dev/outbox/" + mail, status: http.StatusNotFound})

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	dev.check(t, scenario{target: "/dev/outbox", status: http.StatusInternalServerError, absent: []string{"no such file", dir}})
}
