package portal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sluis/db"
)

// TestBrowserSecureChannel walks the secure channel through in a real
// browser, every mail through a real SMTP relay: a citizen proves their
// address on /to/<domain> with the mailed code and writes a message with
// a file; an admin (the inbox until one is set) signs in, opens the inbox
// from the menu, reads the message, downloads the file and answers; the
// citizen opens the answer's link, asks for a code by mail, enters it and
// reads the answer. axe-core checks the staff pages and the landing page
// of method mail.
func TestBrowserSecureChannel(t *testing.T) {
	ctx := browserContext(t)
	ie := newInboxEnv(t)
	ie.addUser(t, "beheer@zkh.example", db.RoleAdmin)
	w := &walk{t: t, ctx: ctx, base: ie.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	upload := filepath.Join(t.TempDir(), "verwijsbrief.pdf")
	if err := os.WriteFile(upload, []byte("%PDF-1.4 verwijsbrief"), 0o600); err != nil {
		t.Fatal(err)
	}
	const citizen = "jan@example.org"

	// The citizen writes.
	w.run("channel page", chromedp.Navigate(w.base+"/to/zkh.example?lang=en"), chromedp.WaitVisible(css("#address")),
		chromedp.SetValue(css("#address"), citizen), chromedp.Submit(css("#address")), chromedp.WaitVisible(css("#code")))
	code := ie.relay.LastCode(citizen, "channel-code")
	if code == "" {
		t.Fatal("no code mailed to the writer")
	}
	w.run("writer's code", chromedp.SetValue(css("#code"), code), chromedp.Submit(css("#code")), chromedp.WaitVisible(css("#subject")))
	w.run("message", chromedp.SetValue(css("#subject"), "Vraag over mijn afspraak"),
		chromedp.SetValue(css("#text"), "Goedemiddag,\nKan de afspraak een week later? <b>Graag</b>"),
		chromedp.SetUploadFiles(css("#files"), []string{upload}), chromedp.Submit(css("#text")),
		chromedp.WaitVisible(css("#write-another")))

	// Staff read and answer.
	w.run("sign-in page", chromedp.Navigate(w.base+"/signin?lang=en"))
	w.signIn("beheer@zkh.example", "#nav-inbox")
	w.run("inbox", chromedp.Click(css("#nav-inbox")), chromedp.WaitVisible(css("#inbox")))
	if row := w.text("#inbox tbody tr"); !strings.Contains(row, "Vraag over mijn afspraak") || !strings.Contains(row, citizen) {
		t.Errorf("inbox row: %q", row)
	}
	w.checkA11y("inbox")
	w.run("open the message", chromedp.Click(css("#inbox a.subject")), chromedp.WaitVisible(css("#answer")))
	if body := w.text(".mail-text"); !strings.Contains(body, "Kan de afspraak een week later? <b>Graag</b>") {
		t.Errorf("message text: %q", body)
	}
	w.checkA11y("inbox message")
	path := eval[string](w, "message path", `location.pathname`)
	head, disp := w.fetch(path + "/files/0")
	if head != "%PDF-1.4" || !strings.Contains(disp, "verwijsbrief.pdf") {
		t.Errorf("file: %q, %q", head, disp)
	}
	w.run("empty answer", chromedp.Submit(css("#answer")), chromedp.WaitVisible(css("#answer-error")))
	w.checkA11y("inbox answer error")
	w.run("answer", chromedp.SetValue(css("#answer"), "Ja, dinsdag 10 uur kan ook."), chromedp.Submit(css("#answer")),
		chromedp.WaitVisible(css("main h1")))
	if loc := w.location(); !strings.Contains(loc, "/messages/") {
		t.Errorf("after answering: %s", loc)
	}
	w.run("answered", chromedp.Navigate(w.base+path), chromedp.WaitVisible(css("#answered")))
	w.checkA11y("inbox answered")

	// The page sweep (360 and 1280 px, nl/fr/en, overflow, raw keys,
	// English words) over the inbox's states.
	open := ie.written(t, "piet@example.org", "Tweede vraag", "Nog een vraag.")
	sweepAll := func(pages []sweepPage) {
		for _, p := range pages {
			for _, lang := range []string{"nl", "fr", "en"} {
				for _, width := range sweepWidths {
					w.sweep(p, lang, width)
				}
			}
		}
	}
	sweepAll([]sweepPage{
		{name: "inbox list", who: "admin", path: "/inbox", wait: "#inbox"},
		{name: "inbox message", who: "admin", path: "/inbox/" + open.UID, wait: "#answer"},
		{name: "inbox answer with an error", who: "admin", path: "/inbox/" + open.UID, wait: "#answer-error", act: func(w *walk) {
			w.run("empty answer", chromedp.Submit(css("#answer")), chromedp.WaitVisible(css("#answer-error")))
		}},
		{name: "inbox answered", who: "admin", path: path, wait: "#answered"},
	})
	w.run("viewport back", chromedp.EmulateViewport(390, 844))
	w.signOut()

	// The citizen reads the answer with a code by mail.
	_, to := ie.w.Latest(t)
	if len(to) != 1 || to[0].Method != db.MethodMail {
		t.Fatalf("the answer's recipient: %+v", to)
	}
	link := w.base + ie.w.Path(to[0])
	sweepAll([]sweepPage{{name: "landing by mail", who: "anon", path: ie.w.Path(to[0]), wait: "#send"}})
	w.run("viewport back", chromedp.EmulateViewport(390, 844))
	w.run("answer landing", chromedp.Navigate(link+"?lang=en"), chromedp.WaitVisible(css("#send")))
	if intro := w.text("main"); !strings.Contains(intro, "j●●●@example.org") {
		t.Errorf("landing: %q", intro)
	}
	w.checkA11y("landing by mail")
	w.run("send code", chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
	w.checkA11y("code by mail")
	code = ie.relay.LastCode(citizen, "code")
	w.run("right code", chromedp.SetValue(css("#code"), code), chromedp.Submit(css("#code")), chromedp.WaitVisible(css(".mail-body")))
	if body := w.mailBody(); !strings.Contains(body, "Ja, dinsdag 10 uur kan ook.") {
		t.Errorf("the answer: %q", body)
	}
}
