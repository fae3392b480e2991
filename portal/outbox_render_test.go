package portal

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"sluis/portal/devbox"
	"sluis/portal/mailer"
)

// TestDevOutboxShowsMailRendered: a mail as Sluis composes it (multipart,
// quoted-printable) reads in the dev outbox as its recipient sees it: the
// HTML part sanitized with its link clickable, the text part decoded; the
// encoded source is still there, folded away. A text shows its code.
func TestDevOutboxShowsMailRendered(t *testing.T) {
	box, err := devbox.Open(filepath.Join(t.TempDir(), "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	link := "http://localhost:8080/m/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"
	raw, _, err := mailer.Compose(&mailer.Message{From: mailer.Address{Name: "Jan (Zorg)", Addr: "sluis@zkh.test"},
		To: []mailer.Address{{Addr: "alice@patient.test"}}, Subject: "Een beveiligd bericht voor u",
		Text: "Open het bericht: " + link + "\nGroeten, één team",
		HTML: `<p>Open <a href="` + link + `">het bericht</a> <script>alert(1)</script></p>`}, time.Now(), "sluis@zkh.test")
	if err != nil {
		t.Fatal(err)
	}
	mail, err := box.PutMail(raw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	text, err := box.PutText("+31612345678", "r-1", "Uw code voor Sluis is 493817. Zie "+link, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dev := newEnv(t, func(o *Options) { o.Dev, o.Outbox = true, box })
	dev.check(t, scenario{target: "/dev/outbox/" + mail, status: http.StatusOK, contains: []string{
		"<h1>Een beveiligd bericht voor u</h1>", `<a href="` + link + `"`, ">het bericht</a>",
		"Groeten, één team", "<details>", "Content-Transfer-Encoding"}, absent: []string{"<script>alert(1)"}})
	dev.check(t, scenario{target: "/dev/outbox/" + text, status: http.StatusOK, contains: []string{
		"Uw code voor Sluis is 493817", `<a href="` + link + `"`, "<h1>SMS</h1>"}})
}
