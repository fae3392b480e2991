package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestPolicyReadReceiptsOneChoice: read receipts are one choice of three
// with the allowlist and the "ask" box nested under the middle one and
// one Save; 101 addresses are refused with what was typed kept, the page
// landing at the field and the error announced, and nothing of the
// section saved; a good Save writes the three settings at once, audited.
func TestPolicyReadReceiptsOneChoice(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, _ := se.adminBrowser(t)
	path := "/admin/units/" + strconv.FormatInt(se.w.Org.RootUnit, 10) + "/policy"
	p := admin.get(path + "?lang=en")
	mustContain(t, "policy page", p, http.StatusOK, `id="section-receipts"`, `id="section-verification"`, `id="section-retention"`,
		`value="off" id="read_receipts-off" checked`, "Now: Off")
	off, mid, nested, ask, anyMode := strings.Index(p.body, `id="read_receipts-off"`), strings.Index(p.body, `id="read_receipts-internal_allowlist"`),
		strings.Index(p.body, `class="nested"`), strings.Index(p.body, `id="value-read_receipt_ask"`), strings.Index(p.body, `id="read_receipts-any"`)
	if !(off < mid && mid < nested && nested < ask && ask < anyMode) {
		t.Errorf("the allowlist and the ask box are not nested under the middle choice: %d %d %d %d %d", off, mid, nested, ask, anyMode)
	}
	if n := strings.Count(mainOf(p.body), `name="section" value="receipts"`); n != 1 {
		t.Errorf("read receipts have %d forms", n)
	}

	var many []string
	for i := range 101 {
		many = append(many, "adres"+strconv.Itoa(i)+"@partner.example")
	}
	typed := strings.Join(many, ", ")
	for _, tc := range []struct{ lang, text string }{
		{"en", "The allowlist holds at most 100 addresses; you gave 101."},
		{"nl", "De lijst bevat hoogstens 100 adressen; u gaf er 101."},
		{"fr", "La liste contient au plus 100 adresses ; vous en avez donné 101."},
	} {
		admin.get(path + "?lang=" + tc.lang)
		p = admin.post(path, url.Values{"section": {"receipts"}, "action": {"save"}, "read_receipts": {"internal_allowlist"},
			"read_receipt_allowlist": {typed}})
		mustContain(t, "101 addresses "+tc.lang, p, http.StatusUnprocessableEntity, tc.text, `role="alert"`, `aria-invalid="true" autofocus>`+typed+`</textarea>`,
			`value="internal_allowlist" id="read_receipts-internal_allowlist" checked`)
	}
	if got, _ := se.policy.For(ctx, se.w.Org.ID, se.w.Org.RootUnit); got.Receipts.Mode != "off" || len(got.Receipts.Allowlist) != 0 {
		t.Fatalf("a refused section saved part of itself: %+v", got.Receipts)
	}
	before := len(se.auditKinds(t, se.w.Org.ID, "policy.change"))

	p = admin.post(path, url.Values{"section": {"receipts"}, "action": {"save"}, "read_receipts": {"internal_allowlist"},
		"read_receipt_allowlist": {"a@partner.example, B@Partner.example"}}) // ask left unchecked
	if p.status != http.StatusSeeOther || p.location != path+"?done=policy_changed#section-receipts" {
		t.Fatalf("save: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	got, _ := se.policy.For(ctx, se.w.Org.ID, se.w.Org.RootUnit)
	if got.Receipts.Mode != "internal_allowlist" || strings.Join(got.Receipts.Allowlist, ",") != "a@partner.example,b@partner.example" || got.Receipts.Ask {
		t.Errorf("after save: %+v", got.Receipts)
	}
	if n := len(se.auditKinds(t, se.w.Org.ID, "policy.change")) - before; n != 3 {
		t.Errorf("%d events for three changed settings", n)
	}
	// Saving again unchanged writes nothing; Inherit removes all three.
	admin.get(path)
	admin.post(path, url.Values{"section": {"receipts"}, "action": {"save"}, "read_receipts": {"internal_allowlist"},
		"read_receipt_allowlist": {"a@partner.example,b@partner.example"}})
	if n := len(se.auditKinds(t, se.w.Org.ID, "policy.change")) - before; n != 3 {
		t.Errorf("an unchanged save was written: %d events", n)
	}
	admin.get(path)
	if p := admin.post(path, url.Values{"section": {"receipts"}, "action": {"inherit"}}); p.status != http.StatusSeeOther {
		t.Fatalf("inherit: %d", p.status)
	}
	if got, _ := se.policy.For(ctx, se.w.Org.ID, se.w.Org.RootUnit); got.Receipts.Mode != "off" || !got.Receipts.Ask {
		t.Errorf("after inherit: %+v", got.Receipts)
	}
	// The other sections save the same way.
	admin.get(path + "?lang=en")
	p = admin.post(path, url.Values{"section": {"retention"}, "action": {"save"}, "message_retention": {"abc"}, "draft_retention": {"14"}})
	mustContain(t, "bad days", p, http.StatusUnprocessableEntity, "Give a number of days between 1 and 366.", `value="abc"`)
}
