package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/delivery"
)

// The NTA 7516 walks in a real browser: an internal recipient reads after
// signing in (and a colleague does not), a recipient keeps their own copy
// (read back by the standard library's MIME parser) and prints it, and
// the sender opens the proof of delivery and its PDF and JSON.

func TestBrowserInternalReader(t *testing.T) {
	ctx := browserContext(t)
	site := newSenderSite(t)
	w := &walk{t: t, ctx: ctx, base: site.base, axe: axeSource(t), seen: map[string]bool{}}
	site.addUser(t, "collega@zkh.example")
	site.addUser(t, "ander@zkh.example")
	_, rs := site.w.Submit(t, readFile(t, "testdata/recipient/report.eml"), "collega@zkh.example")
	if rs[0].Method != db.MethodSignIn {
		t.Fatalf("the colleague's method is %q", rs[0].Method)
	}
	link := site.w.Path(rs[0])

	w.run("the link", chromedp.Navigate(w.base+link), chromedp.WaitVisible(css("#password")))
	if loc := w.location(); !strings.HasPrefix(loc, "/signin?next=") {
		t.Errorf("the internal link led to %s, want sign-in", loc)
	}
	w.signIn("collega@zkh.example", ".mail-body")
	if loc := w.location(); loc != link+"/read" {
		t.Errorf("after sign-in: %s, want %s/read", loc, link)
	}
	if body := w.mailBody(); !strings.Contains(body, "de uitslag") {
		t.Errorf("the message: %q", body)
	}
	w.checkA11y("internal message")
	got, err := site.w.Store.Recipient(context.Background(), rs[0].OrgID, rs[0].ID)
	if err != nil || got.Status != db.StatusOpened {
		t.Errorf("the colleague's status is %q (%v), want opened", got.Status, err)
	}
	w.signOut()

	w.run("the link, another user", chromedp.Navigate(w.base+link), chromedp.WaitVisible(css("#password")))
	w.signIn("ander@zkh.example", "h1")
	if h := w.text("h1"); h != "This link does not work" || strings.Contains(w.text("main"), "uitslag") {
		t.Errorf("another user of the organisation saw %q", h)
	}
	w.run("/read, another user", chromedp.Navigate(w.base+link+"/read"), chromedp.WaitVisible(css("h1")))
	if h := w.text("h1"); h != "This link does not work" {
		t.Errorf("another user's /read: %q", h)
	}
	w.signOut()
}

func TestBrowserOwnCopyAndProof(t *testing.T) {
	ctx := browserContext(t)
	site := newSenderSite(t)
	w := &walk{t: t, ctx: ctx, base: site.base, axe: axeSource(t), seen: map[string]bool{}}
	site.w.AddPhone(t, "patient@example.com", "+31612345678")
	raw := readFile(t, "testdata/recipient/report.eml")
	m, rs := site.w.Submit(t, raw, "patient@example.com")
	site.relay.waitFor(t, "patient@example.com", "notification", 30*time.Second)
	w.waitStatus(site, rs[0], db.StatusNotified)

	t.Run("own copy", func(t *testing.T) { w.t = t; w.ownCopy(site, rs[0]) })
	t.Run("proof", func(t *testing.T) { w.t = t; w.proof(site, m, raw) })
	for _, page := range []string{"print view", "proof"} {
		if !w.seen[page] {
			t.Errorf("the walk never checked the %s page", page)
		}
	}
}

// ownCopy verifies by SMS, downloads the .eml and opens the print view.
func (w *walk) ownCopy(site *senderSite, rc db.Recipient) {
	t := w.t
	link := site.w.Path(rc)
	w.run("landing", chromedp.Navigate(w.base+link), chromedp.WaitVisible(css("#send")),
		chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
	w.run("code", chromedp.SendKeys(css("#code"), site.w.Texts.LastCode(rc.Phone)), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css("#download-copy")))
	js := `fetch(` + jsString(link+"/message.eml") + `).then(async r => [r.headers.get("Content-Type"), r.headers.get("Content-Disposition") || "", await r.text()])`
	out := eval[[]string](w, "downloading the copy", js)
	if out[0] != "message/rfc822" || !strings.Contains(out[1], `filename="Uitslag onderzoek.eml"`) {
		t.Errorf("copy served as %q, %q", out[0], out[1])
	}
	html, file := stdlibRead(t, out[2])
	if !strings.Contains(html, "de uitslag") {
		t.Errorf("the copy's body: %q", html)
	}
	if !bytes.HasPrefix(file, []byte("%PDF-1.4")) {
		t.Errorf("the copy's attachment: %q", file)
	}
	w.run("print view", chromedp.Click(css("#print-view")), chromedp.WaitVisible(css(".print-doc")))
	doc := w.text(".print-doc")
	for _, want := range []string{"Uitslag onderzoek", "arts@zkh.example", "patient@example.com", "de uitslag", "uitslag röntgen"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the print view lacks %q", want)
		}
	}
	w.checkA11y("print view")
	if head, _ := w.fetch(link + "/files/1"); head != "%PDF-1.4" {
		t.Errorf("attachment: %q", head)
	}
}

// stdlibRead parses a message with net/mail and mime/multipart and
// returns its HTML body and its one attachment.
func stdlibRead(t *testing.T, raw string) (html string, file []byte) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v", err)
	}
	var walk func(ct, cte, disp string, body io.Reader)
	walk = func(ct, cte, disp string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p)
			}
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.EqualFold(cte, "base64") {
			if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
				t.Fatal(err)
			}
		}
		switch d, dp, _ := mime.ParseMediaType(disp); {
		case mt == "text/html" && d != "attachment":
			html = string(b)
		case d == "attachment" && strings.HasPrefix(dp["filename"], "uitslag röntgen"):
			file = b
		}
	}
	walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Body)
	return html, file
}

// proof signs the sender in, opens the proof from the message's page and
// reads back its PDF and JSON.
func (w *walk) proof(site *senderSite, m db.Message, raw string) {
	t := w.t
	w.run("the message", chromedp.Navigate(w.base+"/messages/"+m.UID), chromedp.WaitVisible(css("#password")))
	w.signIn("arts@zkh.example", "#proof-link")
	w.run("proof", chromedp.Click(css("#proof-link")), chromedp.WaitVisible(css("#proof-sha256")))
	if sha := w.text("#proof-sha256"); sha != fmt.Sprintf("%x", sha256.Sum256([]byte(raw))) {
		t.Errorf("the proof's SHA-256: %q", sha)
	}
	page := w.text(".print-doc")
	for _, want := range []string{"patient@example.com", "Notification accepted by the mail server", "250 ", "Identity verified",
		"Attachment downloaded", "Own copy downloaded", "Print view opened"} {
		if !strings.Contains(page, want) {
			t.Errorf("the proof page lacks %q", want)
		}
	}
	w.checkA11y("proof")
	js := `fetch(` + jsString("/messages/"+m.UID+"/proof.pdf") + `).then(r => r.arrayBuffer()).then(b => {
		let s = ""; for (const x of new Uint8Array(b)) s += String.fromCharCode(x); return btoa(s) })`
	pdf, err := base64.StdEncoding.DecodeString(eval[string](w, "downloading the PDF", js))
	if err != nil {
		t.Fatal(err)
	}
	text, pages, err := testworld.PDFText(pdf)
	if err != nil {
		t.Fatalf("reading the PDF: %v", err)
	}
	if pages < 1 || !strings.Contains(text, "patient@example.com") || !strings.Contains(text, "Proof of delivery") {
		t.Errorf("the PDF has %d pages and says:\n%s", pages, text)
	}
	js = `fetch(` + jsString("/messages/"+m.UID+"/proof.json") + `).then(r => r.text())`
	var p delivery.Proof
	if err := json.Unmarshal([]byte(eval[string](w, "downloading the JSON", js)), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Recipients) != 1 || p.Recipients[0].Address != "patient@example.com" || p.SHA256 == "" {
		t.Errorf("the JSON proof: %+v", p)
	}
	events, err := site.w.Store.AuditEvents(context.Background(), site.w.Org.ID, db.AuditQuery{Kind: "proof."})
	if err != nil || len(events) != 3 {
		t.Errorf("the proof's own audit events: %d (%v)", len(events), err)
	}
}
