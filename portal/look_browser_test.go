package portal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sluis/db"
)

// TestBrowserLookReachesTheRecipient: in a real browser under the strict
// CSP, an admin uploads a logo and picks an accent; the recipient's page
// then draws the button in that colour and the logo as an image; the look
// page, the recipient page and the accessibility statement pass axe-core
// at phone width without sideways scrolling.
func TestBrowserLookReachesTheRecipient(t *testing.T) {
	ctx := browserContext(t)
	se := newSenderEnv(t)
	se.addUser(t, "hoofd@zkh.example", db.RoleAdmin)
	logo := filepath.Join(t.TempDir(), "logo.svg")
	if err := os.WriteFile(logo, []byte(hostileLogo), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &walk{t: t, ctx: ctx, base: se.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	w.run("sign-in page", chromedp.Navigate(w.base+"/signin?lang=nl"), chromedp.WaitVisible(css("#email")))
	w.signIn("hoofd@zkh.example", current("/messages"))
	w.run("look page", chromedp.Navigate(w.base+"/admin/look"), chromedp.WaitVisible(css("#accent")))
	w.checkA11y("look")
	w.run("too pale", chromedp.SendKeys(css("#accent"), "#ffcc00"), chromedp.Submit(css("#accent")), chromedp.WaitVisible(css("#accent-error")))
	w.checkA11y("look refused")
	w.run("save the look", chromedp.SetValue(css("#accent"), "#8a1c1c"), chromedp.SetValue(css("#display_name"), "Ziekenhuis Oost"),
		chromedp.SetUploadFiles(css("#logo"), []string{logo}), chromedp.Submit(css("#accent")), chromedp.WaitVisible(css(".flash-info")))

	rc := se.smsRecipient(t)
	w.run("recipient page", chromedp.Navigate(w.base+se.w.Path(rc)), chromedp.WaitVisible(css(".org-brand img")))
	w.checkA11y("recipient with the look")
	if got := eval[string](w, "button colour", `getComputedStyle(document.querySelector("main form button[type=submit]")).backgroundColor`); got != "rgb(138, 28, 28)" {
		t.Errorf("the recipient's button is %s, want the accent rgb(138, 28, 28)", got)
	}
	if !eval[bool](w, "logo drawn", `(async () => { const i = document.querySelector(".org-brand img"); await i.decode(); return i.naturalWidth > 0 })()`) {
		t.Error("the logo was not drawn")
	}
	if got := w.text(".org-name"); got != "Ziekenhuis Oost" {
		t.Errorf("organisation name %q", got)
	}
	// The recipient's page has an h1 too: wait for its form to be gone.
	w.run("statement", chromedp.Click(css(`a[href^="/accessibility?look="]`)), chromedp.WaitNotPresent(css("main form")),
		chromedp.WaitVisible(css("h1")))
	w.checkA11y("accessibility statement")
	if got := w.text("main"); !strings.Contains(got, "Ziekenhuis Oost gebruikt Sluis") {
		t.Errorf("the statement does not name the organisation:\n%s", got)
	}
	for _, page := range []string{"look", "look refused", "recipient with the look", "accessibility statement"} {
		if !w.seen[page] {
			t.Errorf("the walk never checked the %s page", page)
		}
	}
	if wide := eval[bool](w, "overflow", `document.documentElement.scrollWidth > window.innerWidth`); wide {
		t.Error("the statement scrolls sideways at phone width")
	}
}
