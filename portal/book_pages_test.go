package portal

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sluis/db"
)

// importFile is an export of "another system": it still has the old number.
const importFile = "email_address,full_name,phone_number\n" +
	"collega@partner.example,Collega,+31612345670\n"

var entryLink = regexp.MustCompile(`href="/admin/book/(\d+)">collega@partner.example<`)

func TestReimportAfterManualFixFlagsEntry(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.signInAdmin(t)
	b.get("/admin/book/import")
	if p := b.postFile("/admin/book/import", nil, "crm.csv", importFile); p.status != 200 || !strings.Contains(p.body, "New entries: 1") {
		t.Fatalf("first import: %d\n%s", p.status, mainOf(p.body))
	}

	// A person fixes the number by hand.
	m := entryLink.FindStringSubmatch(b.get("/admin/book?q=collega").body)
	if m == nil {
		t.Fatal("the book does not list the imported entry")
	}
	entry := "/admin/book/" + m[1]
	b.get(entry)
	if p := b.post(entry, url.Values{"name": {"Collega"}, "phone": {"06 12345679"}}); p.status != http.StatusSeeOther {
		t.Fatalf("manual fix: %d\n%s", p.status, mainOf(p.body))
	}
	if f, _ := se.w.Store.Flags(context.Background(), se.w.Org.ID, false); len(f) != 0 {
		t.Fatalf("a single fix flagged the entry: %+v", f)
	}

	// The other system's file again puts the old number back.
	b.get("/admin/book/import")
	if p := b.postFile("/admin/book/import", nil, "crm.csv", importFile); !strings.Contains(p.body, "Changed entries: 1") {
		t.Fatalf("second import:\n%s", mainOf(p.body))
	}
	flags, err := se.w.Store.Flags(context.Background(), se.w.Org.ID, false)
	if err != nil || len(flags) != 1 || flags[0].Email != "collega@partner.example" || flags[0].Field != "phone" ||
		strings.Join(flags[0].Sources, ",") != "import,manual" {
		t.Fatalf("flags = %+v, %v", flags, err)
	}
	mustContain(t, "flags page", b.get("/admin/book/flags"), 200, "collega@partner.example", "CSV import, by hand", "mobile number")
	mustContain(t, "book list", b.get("/admin/book"), 200, "overwritten back and forth", `href="/admin/book/flags"`)
	mustContain(t, "entry page", b.get(entry), 200, "keeps being changed back and forth by: CSV import, by hand",
		"316●●●●●●70", "316●●●●●●79", "CSV import", "by hand")

	// The sender finishing a draft to that address is told.
	m2, _ := se.report(t, "patient@example.com", "collega@partner.example")
	s := se.browser(t)
	s.signIn("arts@zkh.example", senderPassword, "/messages")
	p := s.get("/drafts/" + m2.UID)
	mustContain(t, "draft", p, 200, "Another system keeps overwriting this address’s entry", "CSV import, by hand")
	if strings.Count(p.body, "Another system keeps overwriting") != 1 {
		t.Error("the notice is not on the flagged recipient alone")
	}

	// Dismissed by an admin: gone, and audited.
	b.get("/admin/book/flags")
	if p := b.post("/admin/book/flags/"+itoa(flags[0].ID)+"/dismiss", nil); p.status != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", p.status)
	}
	mustLack(t, "draft after dismissal", s.get("/drafts/"+m2.UID), "Another system keeps overwriting")
	ev, _ := se.w.Store.AuditEvents(context.Background(), se.w.Org.ID, db.AuditQuery{Kind: "book."})
	kinds := map[string]int{}
	for _, e := range ev {
		kinds[e.Kind]++
	}
	if kinds["book.import"] != 2 || kinds["book.entry.update"] != 1 || kinds["book.flag.dismiss"] != 1 {
		t.Errorf("audit = %v", kinds)
	}
}

func TestBookPages(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.signInAdmin(t)
	b.get("/admin/book/new")
	for _, form := range []url.Values{
		{"key": {"=1+2@example.com"}, "name": {"=cmd|' /C calc'!A0"}, "phone": {"+31612345678"}},
		{"key": {"@kantoor.example"}, "name": {"Kantoor"}, "code": {"Tulp-4471x"}, "hint": {"-de bloem"}},
	} {
		if p := b.post("/admin/book", form); p.status != http.StatusSeeOther {
			t.Fatalf("add %v: %d\n%s", form, p.status, mainOf(p.body))
		}
	}
	// Refusals come back beside their field, translated.
	for _, c := range []struct {
		form url.Values
		text string
	}{
		{url.Values{"key": {"nope"}}, "not a valid email address"},
		{url.Values{"key": {"@kantoor2.example"}, "phone": {"+31612345678"}}, "cannot have a mobile number"},
		{url.Values{"key": {"a@example.com"}, "phone": {"+31201234567"}}, "not a mobile number"},
		{url.Values{"key": {"a@example.com"}, "code": {"geheim-12"}, "hint": {"geheim-12!"}}, "may not contain the access code"},
	} {
		mustContain(t, "refused "+c.form.Encode(), b.post("/admin/book", c.form), http.StatusUnprocessableEntity, c.text)
	}
	list := b.get("/admin/book?q=kantoor")
	mustContain(t, "search", list, 200, "@kantoor.example", "access code")
	mustLack(t, "search", list, "=1+2@")

	// Export: no access code (nor its hash), formulas defused.
	res, err := b.c.Get(se.srv.URL + "/admin/book/export")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export: %v, %s", err, res.Header.Get("Content-Type"))
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[0]] = r
	}
	if strings.Join(rows[0], ",") != "email_address,full_name,phone_number,access_code_hint" || len(rows) != 3 {
		t.Errorf("export = %q", rows)
	}
	if r := got["'=1+2@example.com"]; r == nil || r[1] != "'=cmd|' /C calc'!A0" || r[2] != "+31612345678" {
		t.Errorf("formula row = %q", rows)
	}
	if r := got["kantoor.example"]; r == nil || r[3] != "'-de bloem" {
		t.Errorf("domain row = %q", rows)
	}
	for _, r := range rows {
		if strings.Contains(strings.Join(r, ","), "argon2") || strings.Contains(strings.Join(r, ","), "Tulp-4471x") {
			t.Errorf("the export holds the access code: %q", r)
		}
	}

	// Dry run: report, nothing saved.
	b.get("/admin/book/import")
	p := b.postFile("/admin/book/import", url.Values{"dry_run": {"1"}}, "x.csv", "email_address,phone_number\nnew@example.com,+31612345678\nbad,+31612345678\n")
	mustContain(t, "dry run", p, 200, "nothing was saved", "Valid rows: 1", "This is not a valid email address.")
	if _, err := se.w.Store.Contact(context.Background(), db.OrgBook(se.w.Org.ID), "new@example.com"); err == nil {
		t.Error("a dry run saved an entry")
	}
	mustContain(t, "not CSV", b.postFile("/admin/book/import", nil, "x.csv", "fax\n1\n"), http.StatusUnprocessableEntity,
		"column that Sluis does not know")

	// Remove; the history stays with the organisation.
	m := regexp.MustCompile(`href="/admin/book/(\d+)">@kantoor.example<`).FindStringSubmatch(list.body)
	if m == nil {
		t.Fatal("no link to the domain entry")
	}
	b.get("/admin/book/" + m[1])
	if p := b.post("/admin/book/"+m[1]+"/delete", nil); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	if p := b.get("/admin/book/" + m[1]); p.status != 404 {
		t.Errorf("deleted entry: %d", p.status)
	}

	// A sender reaches none of it; CSRF guards every form.
	b.csrf = "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	if p := b.post("/admin/book", url.Values{"key": {"z@example.com"}}); p.status != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", p.status)
	}
	s := se.browser(t)
	s.signIn("arts@zkh.example", senderPassword, "/messages")
	for _, path := range []string{"/admin/book", "/admin/book/export", "/admin/api-keys", "/admin/book/flags"} {
		if p := s.get(path); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
			t.Errorf("a sender GET %s: %d", path, p.status)
		}
	}
	if p := s.post("/admin/api-keys", url.Values{"name": {"mine"}}); p.status != http.StatusNotFound && p.status != http.StatusForbidden {
		t.Errorf("a sender creating a key: %d", p.status)
	}
}
