package portal

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var requestLink = regexp.MustCompile(`/requests/[0-9a-f]{32}`)

// TestBrowserNotMyNumber: the recipient says the number is not theirs,
// the sender follows the mail's link, signs in, enters the new number
// (after a refused landline) and the recipient gets a fresh link.
func TestBrowserNotMyNumber(t *testing.T) {
	ctx := browserContext(t)
	site := newSenderSite(t)
	w := &walk{t: t, ctx: ctx, base: site.base, axe: axeSource(t), seen: map[string]bool{}}
	site.w.AddPhone(t, "patient@example.com", "+31612345678")
	_, rs := site.w.Submit(t, readFile(t, "testdata/recipient/report.eml"), "patient@example.com")
	first := site.relay.waitFor(t, "patient@example.com", "notification", 30*time.Second)

	w.run("landing", chromedp.Navigate(w.base+site.w.Path(rs[0])), chromedp.WaitVisible(css("#not-my-number")))
	w.run("not my number", chromedp.SendKeys(css("#note"), "Bel mij via de receptie."), chromedp.Click(css("#not-my-number")),
		chromedp.WaitVisible(css("#number .flash-info")))
	if told := w.text("#number .flash-info"); !strings.Contains(told, "We told the sender") {
		t.Errorf("after the request: %q", told)
	}
	w.checkA11y("number told")

	mail := site.relay.waitFor(t, "arts@zkh.example", "sender-number", 30*time.Second)
	path := requestLink.FindString(mail.Data)
	if path == "" || strings.Contains(mail.Data, "receptie") {
		t.Fatalf("the sender's mail lacks the link or carries the note:\n%s", mail.Data)
	}
	w.run("request link", chromedp.Navigate(w.base+path), chromedp.WaitVisible(css("#email")))
	w.signIn("arts@zkh.example", "#phone")
	if note := w.text("#request-note"); note != "Bel mij via de receptie." {
		t.Errorf("the note on the sender's page: %q", note)
	}
	w.checkA11y("number request")
	w.run("a landline", chromedp.SendKeys(css("#phone"), "020 123 4567"), chromedp.Click(css("#send")),
		chromedp.WaitVisible(css("#phone-error")))
	w.checkA11y("number request error")
	w.run("a mobile number", chromedp.Clear(css("#phone")), chromedp.SendKeys(css("#phone"), "06 87654321"),
		chromedp.Click(css("#send")), chromedp.WaitVisible(css(".flash-info")))
	if loc := w.location(); !strings.HasSuffix(loc, "?done=number_changed") {
		t.Errorf("after saving: %s", loc)
	}
	site.relay.waitCount(t, "patient@example.com", "notification", 2, 30*time.Second)
	links := map[string]bool{}
	for _, m := range site.relay.all("patient@example.com") {
		links[regexp.MustCompile(`/m/[A-Za-z0-9_-]{43}`).FindString(m.Data)] = true
	}
	if len(links) != 2 || !strings.Contains(first.Data, "/m/") {
		t.Errorf("the recipient's links: %v, want two different ones", links)
	}
}

// all returns every message the relay took for addr.
func (r *mailRelay) all(addr string) []relayedMail { return r.All(addr) }
