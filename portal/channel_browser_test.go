package portal

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChannelSweep runs the page sweep (sweep_browser_test.go:
// 360 and 1280 px, nl/fr/en, overflow, axe-core, raw keys, English words)
// over the secure channel's pages in a real browser, the code mailed
// through a real SMTP relay: the page, the page with an error, the code
// form, a wrong code, the message form, the form with an error, the sent
// page, and the admin page with and without an error. The pages need a
// writer's state the main sweep's world has no relay for, so they have
// their own walk.
func TestBrowserChannelSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the page sweep is long; skipped with -short")
	}
	ctx := browserContextFor(t, 10*time.Minute)
	se, relay := newChannelEnv(t)
	se.adminBrowser(t) // hoofd@zkh.example, with the test password
	w := &walk{t: t, ctx: ctx, base: se.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	const base = "/to/zkh.example"
	n := 0
	before := []sweepPage{
		{name: "channel page", who: "anon", path: base, wait: "#send-code"},
		{name: "channel page with an error", who: "anon", path: base, wait: "#address-error", act: func(w *walk) {
			w.run("bad address", chromedp.SetValue(css("#address"), "geen adres"), chromedp.Submit(css("#address")),
				chromedp.WaitVisible(css("#address-error")))
		}},
		{name: "channel code", who: "anon", path: base, wait: "#code", act: func(w *walk) {
			n++
			w.run("address", chromedp.SetValue(css("#address"), "burger"+strconv.Itoa(n)+"@example.com"), chromedp.Submit(css("#address")),
				chromedp.WaitVisible(css("#code")))
		}},
		{name: "channel wrong code", who: "anon", path: base, wait: "#code-error", act: func(w *walk) {
			w.run("wrong code", chromedp.SetValue(css("#code"), "12"), chromedp.Submit(css("#code")), chromedp.WaitVisible(css("#code-error")))
		}},
	}
	after := []sweepPage{
		{name: "channel write", who: "anon", path: base + "/write", wait: "#subject", shot: "channel-write.png", shotWidth: 360},
		{name: "channel write with an error", who: "anon", path: base + "/write", wait: "#subject-error", act: func(w *walk) {
			w.run("no subject", chromedp.SetValue(css("#text"), "Mijn vraag"), chromedp.Submit(css("#text")),
				chromedp.WaitVisible(css("#subject-error")))
		}},
		{name: "channel sent", who: "anon", wait: "#write-another"},
		{name: "admin channel", who: "admin", path: "/admin/channel", wait: "#inbox", shot: "admin-channel.png", shotWidth: 1280},
		{name: "admin channel with an error", who: "admin", path: "/admin/channel", wait: "#inbox-error", act: func(w *walk) {
			w.run("bad inbox", chromedp.SetValue(css("#inbox"), "niemand@elders.example"), chromedp.Submit(css("#inbox")),
				chromedp.WaitVisible(css("#inbox-error")))
		}},
	}
	checked := 0
	sweepAll := func(pages []sweepPage) {
		for _, p := range pages {
			if p.who == "admin" && !w.seen["signed in"] {
				w.run("sign-in page", chromedp.Navigate(w.base+"/signin"))
				w.signIn("hoofd@zkh.example", "h1")
				w.seen["signed in"] = true
			}
			for _, lang := range []string{"nl", "fr", "en"} {
				for _, width := range sweepWidths {
					w.sweep(p, lang, width)
					checked++
				}
			}
		}
	}
	sweepAll(before)

	// Prove an address and send one message, for the writer's pages.
	w.run("address", chromedp.Navigate(w.base+base), chromedp.SetValue(css("#address"), "schrijver@example.com"),
		chromedp.Submit(css("#address")), chromedp.WaitVisible(css("#code")))
	w.run("code", chromedp.SetValue(css("#code"), channelCode(t, relay, "schrijver@example.com")), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css("#subject")))
	w.run("message", chromedp.SetValue(css("#subject"), "Vraag over mijn afspraak"),
		chromedp.SetValue(css("#text"), "Goedemiddag,\nKan de afspraak een week later?"), chromedp.Submit(css("#text")),
		chromedp.WaitVisible(css("#write-another")))
	sent := eval[string](w, "sent page", `location.pathname + location.search`)
	if !strings.HasPrefix(sent, base+"/sent?ref=") {
		t.Fatalf("sent page at %q", sent)
	}
	after[2].path = sent
	sweepAll(after)
	pages := len(before) + len(after)
	if checked != pages*len(sweepWidths)*3 {
		t.Errorf("checked %d, want %d", checked, pages*len(sweepWidths)*3)
	}
	t.Logf("channel sweep: %d page states × %d widths × 3 languages", pages, len(sweepWidths))
}
