package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sluis/db"
)

// TestAuditLogInSentences: the audit page says what happened in each
// language, before and after in words; every kind is in the filter; one
// event has its own page (and another organisation's event is a 404).
func TestAuditLogInSentences(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, _ := se.adminBrowser(t)
	path := "/admin/units/" + strconv.FormatInt(se.w.Org.RootUnit, 10) + "/policy"
	admin.get(path)
	if p := admin.post(path, url.Values{"section": {"receipts"}, "action": {"save"}, "read_receipts": {"any"}, "read_receipt_ask": {"true"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, mainOf(p.body))
	}
	long := strings.Repeat("x", 300)
	if err := se.w.Store.AppendAudit(ctx, db.AuditEvent{OrgID: se.w.Org.ID, Actor: "api-key:3 crm", Kind: "api.contact.put",
		Target: "contact:" + long + "@example.com", After: "rows=9 created=4"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, sentence string }{
		{"en", "changed read receipts for Ziekenhuis Oost from inherited from above to any address"},
		{"nl", "wijzigde leesbevestigingen voor Ziekenhuis Oost van overgenomen van hoger niveau naar elk adres"},
		{"fr", "a modifié « accusés de lecture » pour Ziekenhuis Oost de hérité du niveau supérieur à toute adresse"},
	} {
		p := admin.get("/admin/audit?lang=" + tc.lang)
		mustContain(t, "audit "+tc.lang, p, http.StatusOK, tc.sentence, `value="book."`, `value="apikey."`, `value="api."`)
		mustLack(t, "audit "+tc.lang, p, "policy.change", "read_receipts", "rows=9")
	}
	events, err := se.w.Store.AuditEvents(ctx, se.w.Org.ID, db.AuditQuery{Kind: "api.contact.put"})
	if err != nil || len(events) != 1 {
		t.Fatalf("events %v %v", events, err)
	}
	p := admin.get("/admin/audit/" + strconv.FormatInt(events[0].ID, 10) + "?lang=en")
	mustContain(t, "one event", p, http.StatusOK, "API key crm saved "+long[:60], `id="record"`, "rows=9 created=4")

	other, err := se.w.Store.CreateOrg(ctx, db.NewOrg{Name: "Elders", Domains: []string{"elders.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := se.w.Store.AppendAudit(ctx, db.AuditEvent{OrgID: other.ID, Actor: "system", Kind: "recipient.lock"}); err != nil {
		t.Fatal(err)
	}
	theirs, _ := se.w.Store.AuditEvents(ctx, other.ID, db.AuditQuery{})
	if p := admin.get("/admin/audit/" + strconv.FormatInt(theirs[0].ID, 10)); p.status != http.StatusNotFound {
		t.Errorf("another organisation's event: %d", p.status)
	}
}
