package portal

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sluis/db"
)

// TestBrowserReadReceiptPolicyAudited: an admin changes the unit's
// read-receipt policy on the policy page in a real browser, sees it apply
// at once (the page says where the value comes from), and finds the
// change, with before and after, on the audit log page.
func TestBrowserReadReceiptPolicyAudited(t *testing.T) {
	ctx := browserContext(t)
	se := newSenderEnv(t)
	se.addUser(t, "hoofd@zkh.example", db.RoleAdmin)
	w := &walk{t: t, ctx: ctx, base: se.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	w.run("sign-in page", chromedp.Navigate(w.base+"/signin"), chromedp.WaitVisible(css("#email")))
	w.signIn("hoofd@zkh.example", current("/messages"))
	w.run("admin link", chromedp.Click(css(`a[href="/admin"]`)), chromedp.WaitVisible(css("#create-unit")))
	w.checkA11y("units")
	root := strconv.FormatInt(se.w.Org.RootUnit, 10)
	w.run("english", chromedp.Navigate(w.base+"/admin/units?lang=en"), chromedp.WaitVisible(css("#create-unit")))
	w.run("policy page", chromedp.Click(css(`a[href="/admin/units/`+root+`/policy"]`)), chromedp.WaitVisible(css("#applies-at-once")))
	w.checkA11y("policy")
	if got := w.text("#origin-read_receipts"); !strings.Contains(got, "default") {
		t.Errorf("before: %q", got)
	}
	w.run("internal and allowlist", chromedp.Click(css("#read_receipts-internal_allowlist")),
		chromedp.Click(css("#save-receipts")), chromedp.WaitVisible(css(".flash-info")))
	if got := w.text(".flash-info"); !strings.Contains(got, "It applies now") {
		t.Errorf("notice: %q", got)
	}
	if got := w.text("#origin-read_receipts"); got != "Set on this unit." {
		t.Errorf("after: %q", got)
	}
	w.run("allowlist without commas", chromedp.SetValue(css("#value-read_receipt_allowlist"), "a@partner.example b@partner.example"),
		chromedp.Click(css("#save-receipts")), chromedp.WaitVisible(css("#value-read_receipt_allowlist-error")))
	w.checkA11y("policy error")
	if got := eval[string](w, "focus", "document.activeElement.id"); got != "value-read_receipt_allowlist" {
		t.Errorf("after the error the focus is on %q", got)
	}
	if got := eval[string](w, "typed", `document.querySelector("#value-read_receipt_allowlist").value`); got != "a@partner.example b@partner.example" {
		t.Errorf("the box holds %q", got)
	}
	if p, _ := se.policy.For(t.Context(), se.w.Org.ID, se.w.Org.RootUnit); p.Receipts.Mode != "internal_allowlist" {
		t.Errorf("the policy is %q", p.Receipts.Mode)
	}
	w.run("audit log", chromedp.Navigate(w.base+"/admin/audit?kind=policy."), chromedp.WaitVisible(css("#audit")))
	w.checkA11y("audit")
	table := w.text("#audit")
	for _, s := range []string{"hoofd@zkh.example changed read receipts for Ziekenhuis Oost from inherited from above to internal addresses and allowlist",
		"tried to change"} {
		if !strings.Contains(table, s) {
			t.Errorf("the audit page lacks %q:\n%s", s, table)
		}
	}
	w.run("users", chromedp.Navigate(w.base+"/admin/users"), chromedp.WaitVisible(css("#add-user")))
	w.checkA11y("users")
	w.run("locked recipients", chromedp.Navigate(w.base+"/admin/recipients"), chromedp.WaitVisible(css("h1")))
	w.checkA11y("locked recipients")
	for _, page := range []string{"units", "policy", "policy error", "audit", "users", "locked recipients"} {
		if !w.seen[page] {
			t.Errorf("the walk never checked the %s page", page)
		}
	}
}
