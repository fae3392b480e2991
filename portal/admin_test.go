package portal

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/policy"
)

// adminBrowser adds an admin of the world's organisation and signs a
// browser in as them.
func (se *senderEnv) adminBrowser(t *testing.T) (*browser, db.User) {
	t.Helper()
	u := se.addUser(t, "hoofd@zkh.example", db.RoleAdmin)
	b := se.browser(t)
	b.signIn(u.Email, senderPassword, "/messages")
	return b, u
}

// auditKinds lists the kinds of the organisation's audit events, oldest first.
func (se *senderEnv) auditKinds(t *testing.T, orgID int64, kind string) []db.AuditEvent {
	t.Helper()
	events, err := se.w.Store.AuditEvents(context.Background(), orgID, db.AuditQuery{Kind: kind, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return events
}

func TestAdminOnly(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, _ := se.adminBrowser(t)
	sender := se.browser(t)
	sender.signIn(se.w.Sender.Email, senderPassword, "/messages")
	anon := se.browser(t)
	anon.get("/signin")
	other, err := se.w.Store.CreateOrg(ctx, db.NewOrg{Name: "Elders", Domains: []string{"elders.example"}})
	if err != nil {
		t.Fatal(err)
	}
	otherUser, err := se.w.Store.CreateUser(ctx, db.NewUser{OrgID: other.ID, Email: "x@elders.example", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	otherUnit := strconv.FormatInt(other.RootUnit, 10)
	for _, tc := range []struct {
		name   string
		b      *browser
		post   bool
		path   string
		status int
		has    string
	}{
		{"anonymous units", anon, false, "/admin/units", http.StatusSeeOther, ""},
		{"anonymous audit", anon, false, "/admin/audit", http.StatusSeeOther, ""},
		{"anonymous create", anon, true, "/admin/units", http.StatusSeeOther, ""},
		{"sender units", sender, false, "/admin/units", http.StatusNotFound, "Page not found"},
		{"sender audit", sender, false, "/admin/audit", http.StatusNotFound, "Page not found"},
		{"sender audit csv", sender, false, "/admin/audit.csv", http.StatusNotFound, ""},
		{"sender policy", sender, false, "/admin/units/" + strconv.FormatInt(se.w.Org.RootUnit, 10) + "/policy", http.StatusNotFound, ""},
		{"sender create", sender, true, "/admin/units", http.StatusNotFound, ""},
		{"sender disables", sender, true, "/admin/users/" + strconv.FormatInt(se.w.Sender.ID, 10) + "/disable", http.StatusNotFound, ""},
		{"admin units", admin, false, "/admin/units", http.StatusOK, "Ziekenhuis Oost"},
		{"admin users", admin, false, "/admin/users", http.StatusOK, "arts@zkh.example"},
		{"admin recipients", admin, false, "/admin/recipients", http.StatusOK, "No recipient is locked"},
		{"admin audit", admin, false, "/admin/audit", http.StatusOK, "Audit log"},
		{"admin policy", admin, false, "/admin/units/" + strconv.FormatInt(se.w.Org.RootUnit, 10) + "/policy", http.StatusOK, "A change applies at once"},
		{"another organisation's unit", admin, false, "/admin/units/" + otherUnit + "/policy", http.StatusNotFound, ""},
		{"another organisation's unit, renamed", admin, true, "/admin/units/" + otherUnit + "/rename", http.StatusNotFound, ""},
		{"another organisation's user", admin, true, "/admin/users/" + strconv.FormatInt(otherUser.ID, 10) + "/disable", http.StatusNotFound, ""},
		{"a malformed id", admin, false, "/admin/units/x/policy", http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p page
			if tc.post {
				p = tc.b.post(tc.path, url.Values{"name": {"Overgenomen"}})
			} else {
				p = tc.b.get(tc.path)
			}
			if p.status != tc.status || !strings.Contains(p.body, tc.has) {
				t.Errorf("%d, want %d with %q\n%s", p.status, tc.status, tc.has, mainOf(p.body))
			}
			if tc.status == http.StatusSeeOther && !strings.HasPrefix(p.location, "/signin") {
				t.Errorf("redirected to %q", p.location)
			}
		})
	}
	if u, _ := se.w.Store.Unit(ctx, other.ID, other.RootUnit); u.Name != "Elders" {
		t.Errorf("another organisation's unit was renamed to %q", u.Name)
	}
	if u, _ := se.w.Store.User(ctx, other.ID, otherUser.ID); u.Disabled {
		t.Error("another organisation's user was disabled")
	}
}

func TestAdminUnits(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, me := se.adminBrowser(t)
	admin.get("/admin/units")
	root := strconv.FormatInt(se.w.Org.RootUnit, 10)
	if p := admin.post("/admin/units", url.Values{"name": {"Radiologie"}, "parent": {root}}); p.location != "/admin/units?done=unit_created" {
		t.Fatalf("create: %d %q\n%s", p.status, p.location, mainOf(p.body))
	}
	units, _ := se.w.Store.Units(ctx, se.w.Org.ID)
	unit := units[len(units)-1]
	id := strconv.FormatInt(unit.ID, 10)
	admin.get("/admin/users")
	p := admin.post("/admin/users", url.Values{"email": {"nieuw@zkh.example"}, "display_name": {"Nieuw"}, "role": {"sender"},
		"unit": {id}, "password": {"a first password!"}})
	if p.location != "/admin/users?done=user_added" {
		t.Fatalf("add user: %d\n%s", p.status, mainOf(p.body))
	}
	u, err := se.w.Store.UserByAddress(ctx, "nieuw@zkh.example")
	if err != nil || u.UnitID != unit.ID {
		t.Fatalf("new user %+v %v", u, err)
	}
	admin.get("/admin/units")
	for _, lang := range []struct{ code, text string }{
		{"en", "This unit still has users"}, {"nl", "Deze afdeling heeft nog gebruikers"}, {"fr", "Cette unité a encore des utilisateurs"},
	} {
		admin.get("/admin/units?lang=" + lang.code)
		p = admin.post("/admin/units/"+id+"/delete", nil)
		mustContain(t, "removing a unit with a user ("+lang.code+")", p, http.StatusConflict, lang.text)
	}
	admin.get("/admin/units?lang=en")
	if _, err := se.w.Store.Unit(ctx, se.w.Org.ID, unit.ID); err != nil {
		t.Fatalf("the unit went: %v", err)
	}
	admin.get("/admin/users")
	if p := admin.post("/admin/users/"+strconv.FormatInt(u.ID, 10)+"/move", url.Values{"unit": {root}}); p.location != "/admin/users?done=user_moved" {
		t.Fatalf("move user: %d", p.status)
	}
	admin.get("/admin/units")
	if p := admin.post("/admin/units/"+id+"/rename", url.Values{"name": {"Beeldvorming"}}); p.status != http.StatusSeeOther {
		t.Fatalf("rename: %d", p.status)
	}
	admin.get("/admin/units")
	p = admin.post("/admin/units/"+root+"/delete", nil)
	mustContain(t, "removing the root", p, http.StatusUnprocessableEntity, "top unit cannot be moved or removed")
	if p := admin.post("/admin/units/"+id+"/delete", nil); p.location != "/admin/units?done=unit_deleted" {
		t.Fatalf("delete: %d\n%s", p.status, mainOf(p.body))
	}
	var got []string
	for _, e := range se.auditKinds(t, se.w.Org.ID, "unit.") {
		got = append(got, e.Kind+"/"+e.Outcome)
		if e.ActorID != me.ID || e.IP == "" || e.Target != "unit:"+id && e.Target != "unit:"+root {
			t.Errorf("event %+v", e)
		}
	}
	want := "unit.create/ok unit.delete/failed unit.delete/failed unit.delete/failed unit.rename/ok unit.delete/failed unit.delete/ok"
	if strings.Join(got, " ") != want {
		t.Errorf("unit events\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if evs := se.auditKinds(t, se.w.Org.ID, "user."); len(evs) != 2 || evs[1].Before != "unit="+id || evs[1].After != "unit="+root {
		t.Errorf("user events %+v", evs)
	}
}

func TestAdminUsers(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, me := se.adminBrowser(t)
	victim := se.browser(t)
	victim.signIn(se.w.Sender.Email, senderPassword, "/messages")
	sid := strconv.FormatInt(se.w.Sender.ID, 10)
	admin.get("/admin/users")
	if p := admin.post("/admin/users/"+sid+"/disable", nil); p.location != "/admin/users?done=user_disabled" {
		t.Fatalf("disable: %d", p.status)
	}
	if p := victim.get("/messages"); p.status != http.StatusSeeOther {
		t.Errorf("a disabled user's session still works: %d", p.status)
	}
	admin.get("/admin/users")
	if p := admin.post("/admin/users/"+sid+"/enable", nil); p.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.status)
	}
	admin.get("/admin/users")
	if p := admin.post("/admin/users/"+sid+"/reset-factor", nil); p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.status)
	}
	if p := admin.post("/admin/users/"+strconv.FormatInt(me.ID, 10)+"/disable", nil); p.status != http.StatusConflict {
		t.Errorf("an admin disabled themselves: %d", p.status)
	}
	admin.get("/admin/users")
	p := admin.post("/admin/users", url.Values{"email": {"x@elders.example"}, "role": {"sender"}, "password": {"a first password!"}})
	mustContain(t, "a foreign address", p, http.StatusUnprocessableEntity, "at one of the organisation&#39;s domains", `value="x@elders.example"`)
	mustLack(t, "a foreign address", p, "a first password!")
	p = admin.post("/admin/users", url.Values{"email": {"kort@zkh.example"}, "role": {"sender"}, "password": {"kort"}})
	mustContain(t, "a short password", p, http.StatusUnprocessableEntity, "at least 12 characters")
	if u, _ := se.w.Store.User(ctx, se.w.Org.ID, se.w.Sender.ID); u.Disabled {
		t.Error("the user is still disabled")
	}
	var kinds []string
	for _, e := range se.auditKinds(t, se.w.Org.ID, "user.") {
		kinds = append(kinds, e.Kind+"/"+e.Outcome)
	}
	if got := strings.Join(kinds, " "); got != "user.disable/ok user.enable/ok user.reset_factor/ok user.add/failed" {
		t.Errorf("user events: %s", got)
	}
}

func TestAdminPolicy(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, _ := se.adminBrowser(t)
	child, err := se.w.Store.CreateUnit(ctx, se.w.Org.ID, se.w.Org.RootUnit, "Radiologie")
	if err != nil {
		t.Fatal(err)
	}
	rootPath := "/admin/units/" + strconv.FormatInt(se.w.Org.RootUnit, 10) + "/policy"
	childPath := "/admin/units/" + strconv.FormatInt(child.ID, 10) + "/policy"
	admin.get(rootPath)
	if p := admin.post(rootPath, url.Values{"name": {"read_receipts"}, "value": {"any"}, "action": {"set"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set at root: %d\n%s", p.status, mainOf(p.body))
	}
	p := admin.get(childPath)
	mustContain(t, "child inherits", p, http.StatusOK, `id="origin-read_receipts">Inherited from Ziekenhuis Oost.`,
		`id="origin-message_retention">Sluis&#39;s default`)
	if p := admin.post(childPath, url.Values{"name": {"message_retention"}, "value": {"7"}, "action": {"set"}}); p.status != http.StatusSeeOther {
		t.Fatalf("override in child: %d\n%s", p.status, mainOf(p.body))
	}
	if got, _ := se.policy.For(ctx, se.w.Org.ID, child.ID); got.MessageRetention != 7*24*time.Hour || got.Receipts.Mode != "any" {
		t.Errorf("child settings %+v", got)
	}
	p = admin.get(childPath)
	mustContain(t, "child overrides", p, http.StatusOK, `id="origin-message_retention">Set on this unit.`, `id="inherit-retention"`)
	if p := admin.post(childPath, url.Values{"name": {"message_retention"}, "action": {"inherit"}}); p.status != http.StatusSeeOther {
		t.Fatalf("inherit: %d", p.status)
	}
	var many []string
	for i := range 101 {
		many = append(many, "adres"+strconv.Itoa(i)+"@partner.example")
	}
	for _, tc := range []struct {
		lang, value, text string
	}{
		{"en", strings.Join(many, ","), "The allowlist holds at most 100 addresses; you gave 101."},
		{"nl", strings.Join(many, ","), "De lijst bevat hoogstens 100 adressen; u gaf er 101."},
		{"fr", strings.Join(many, ","), "La liste contient au plus 100 adresses ; vous en avez donné 101."},
		{"en", strings.Repeat("a", 250) + "@partner.example", "longer than 256 characters"},
		{"en", "a@partner.example b@partner.example", "Separate addresses with commas."},
	} {
		admin.get(childPath + "?lang=" + tc.lang)
		p := admin.post(childPath, url.Values{"name": {"read_receipt_allowlist"}, "value": {tc.value}, "action": {"set"}})
		mustContain(t, "allowlist "+tc.lang, p, http.StatusUnprocessableEntity, tc.text)
	}
	admin.get(childPath + "?lang=en")
	p = admin.post(childPath, url.Values{"name": {"read_receipt_allowlist"}, "value": {strings.Join(many[:100], ", ")}, "action": {"set"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("100 addresses: %d\n%s", p.status, mainOf(p.body))
	}
	if got, _ := se.policy.For(ctx, se.w.Org.ID, child.ID); len(got.Receipts.Allowlist) != 100 {
		t.Errorf("allowlist of %d", len(got.Receipts.Allowlist))
	}
	events := se.auditKinds(t, se.w.Org.ID, "policy.change")
	var got []string
	for _, e := range events {
		got = append(got, e.Outcome+":"+e.Before+"→"+e.After)
	}
	want := []string{"ok:read_receipts inherited→read_receipts=any", "ok:message_retention inherited→message_retention=168h0m0s",
		"ok:message_retention=168h0m0s→message_retention inherited"}
	if len(got) != 9 || strings.Join(got[:3], "|") != strings.Join(want, "|") || !strings.HasPrefix(got[3], "failed") ||
		!strings.HasSuffix(got[8], "→read_receipt_allowlist="+strings.Join(many[:100], ",")) {
		t.Errorf("policy events:\n%s", strings.Join(got, "\n"))
	}
	_ = policy.ReceiptsAny
}

func TestAdminAuditPage(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	admin, _ := se.adminBrowser(t)
	for _, e := range []db.AuditEvent{
		{OrgID: se.w.Org.ID, Actor: "=HYPERLINK(\"http://evil.example\")", Kind: "policy.change", Before: "+1", After: "-1", Detail: "@sum, \"quoted\"\nnext"},
		{OrgID: se.w.Org.ID, Actor: "system", Kind: "recipient.lock", Target: "recipient:9", At: time.Date(2020, 1, 2, 12, 0, 0, 0, time.UTC)},
	} {
		if err := se.w.Store.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	p := admin.get("/admin/audit?kind=recipient.lock")
	mustContain(t, "filter by kind", p, http.StatusOK, "A recipient was locked after too many wrong codes")
	mustLack(t, "filter by kind", p, "HYPERLINK")
	p = admin.get("/admin/audit?from=2020-01-01&to=2020-01-02")
	mustContain(t, "filter by time", p, http.StatusOK, "A recipient was locked after too many wrong codes")
	mustLack(t, "filter by time", p, "HYPERLINK", "hoofd@zkh.example")
	p = admin.get("/admin/audit?actor=hoofd")
	mustContain(t, "filter by actor", p, http.StatusOK, "signed in", "hoofd@zkh.example")
	mustLack(t, "filter by actor", p, "A recipient was locked")
	p = admin.get("/admin/audit?from=yesterday")
	mustContain(t, "a bad date", p, http.StatusUnprocessableEntity, "Give dates as year-month-day.")
	p = admin.get("/admin/audit?actor=hoofd&kind=signin")
	mustContain(t, "the export link keeps the filter", p, http.StatusOK, `href="/admin/audit.csv?from=&amp;to=&amp;actor=hoofd&amp;kind=signin"`)
	p = admin.get("/admin/audit.csv?kind=policy.change")
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", p.status, p.header)
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv rows %v %v", rows, err)
	}
	row := rows[1]
	if row[2] != "'=HYPERLINK(\"http://evil.example\")" || row[7] != "'+1" || row[8] != "'-1" || row[9] != "'@sum, \"quoted\"\nnext" {
		t.Errorf("csv row %q", row)
	}
	if evs := se.auditKinds(t, se.w.Org.ID, "audit.export"); len(evs) != 1 || evs[0].After != "1 events" {
		t.Errorf("export events %+v", evs)
	}
}

func TestAuditedSignIns(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.get("/signin")
	b.post("/signin", url.Values{"email": {se.w.Sender.Email}, "password": {"wrong password!"}})
	b.post("/signin", url.Values{"email": {"nobody@zkh.example"}, "password": {"wrong password!"}})
	b.post("/signin", url.Values{"email": {"nobody@nowhere.example"}, "password": {"wrong password!"}})
	b.signIn(se.w.Sender.Email, senderPassword, "/messages")
	var got []string
	for _, e := range se.auditKinds(t, se.w.Org.ID, "signin") {
		got = append(got, e.Kind+" "+e.Outcome+" "+e.Target)
	}
	for _, e := range se.auditKinds(t, se.w.Org.ID, "signin.failed") {
		got = append(got, e.Kind+" "+e.Outcome+" "+e.Target+" "+e.Detail)
		if strings.Contains(e.Target+e.Detail+e.Before+e.After, "wrong password!") || e.IP == "" {
			t.Errorf("event %+v", e)
		}
	}
	want := []string{"signin ok user:1 arts@zkh.example",
		"signin.failed failed user:1 arts@zkh.example wrong address or password",
		"signin.failed failed unknown address at zkh.example wrong address or password"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sign-in events:\n%s", strings.Join(got, "\n"))
	}
}
