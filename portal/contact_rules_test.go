package portal

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/secret"
)

// ruleCase is one address-book entry written the same way through every
// way in, and the reason all of them give for refusing it ("" accepts).
type ruleCase struct {
	name                    string
	key                     string
	fullName, phone, code   string
	hint                    string
	reason, field           string // field: the import's column name
	personal, personalField string // the personal book's answer where it differs
}

var ruleCases = []ruleCase{
	{name: "mobile in national form", key: "goed@example.com", fullName: "Jan Jansen", phone: "06 12345678"},
	{name: "access code with hint", key: "code@example.com", code: "tulpen-2026", hint: "de bloem en het jaar"},
	{name: "domain with access code", key: "@partner.example", code: "partner-code-9",
		personal: "bad_address", personalField: contacts.FieldKey},
	{name: "bad address", key: "not-an-address", phone: "+31612345678", reason: "bad_address", field: contacts.FieldKey},
	{name: "not a number", key: "nr@example.com", phone: "12", reason: "bad_phone", field: contacts.FieldPhone},
	{name: "landline", key: "vast@example.com", phone: "+31201234567", reason: "not_mobile", field: contacts.FieldPhone},
	{name: "short code", key: "kort@example.com", code: "kort", reason: "code_too_short", field: contacts.FieldCode},
	{name: "long code", key: "lang@example.com", code: strings.Repeat("x", contacts.MaxCodeLen+1), reason: "too_long", field: contacts.FieldCode},
	{name: "hint without code", key: "hint@example.com", hint: "de bloem", reason: "hint_without_code", field: contacts.FieldHint},
	{name: "hint contains code", key: "geeft@example.com", code: "Zomer 2026", hint: "zomer2026 was het",
		reason: "hint_contains_code", field: contacts.FieldHint},
	{name: "long name", key: "naam@example.com", fullName: strings.Repeat("n", contacts.MaxNameLen+1), reason: "too_long", field: contacts.FieldName},
	{name: "long hint", key: "hint2@example.com", code: "tulpen-2026", hint: strings.Repeat("h", contacts.MaxHintLen+1),
		reason: "too_long", field: contacts.FieldHint},
	{name: "phone on a domain", key: "@kantoor.example", phone: "+31612345678", reason: "phone_on_domain", field: contacts.FieldPhone,
		personal: "bad_address", personalField: contacts.FieldKey},
}

// keyFor gives each way in its own entries: the same case, another key.
func keyFor(way, key string) string {
	switch {
	case strings.HasPrefix(key, "@"):
		return "@" + way + "." + key[1:]
	case strings.Contains(key, "@"):
		return way + "-" + key
	}
	return key
}

// verdict is how one way in answered one case.
type verdict struct{ reason, field string }

// TestContactRulesAreOne writes every case through the CSV import, the
// organisation's book form, the personal book form (both over HTTP with
// CSRF) and the API (with a bearer key), and checks that all four refuse
// the same entries for the same reason and store the others alike.
func TestContactRulesAreOne(t *testing.T) {
	se := newSenderEnv(t)
	b, admin := se.signInAdmin(t)
	apiKey := b.createKey("sync")
	ways := map[string]func(ruleCase) verdict{
		"imp":  importVerdicts(t, se, admin),
		"form": func(c ruleCase) verdict { return formVerdict(t, se, b, "/admin/book", "key", keyFor("form", c.key), c) },
		"own":  func(c ruleCase) verdict { return formVerdict(t, se, b, "/contacts", "email", keyFor("own", c.key), c) },
		"api":  func(c ruleCase) verdict { return apiVerdict(t, se, apiKey, keyFor("api", c.key), c) },
	}
	b.get("/contacts/new") // a page with the current CSRF token
	for _, c := range ruleCases {
		for way, write := range ways {
			want := verdict{c.reason, c.field}
			if way == "own" && c.personal != "" {
				want = verdict{c.personal, c.personalField}
			}
			if got := write(c); got != want {
				t.Errorf("%s through %s: refused with %+v, want %+v", c.name, way, got, want)
			}
			checkStored(t, se, admin, way, c, want.reason == "")
		}
	}
}

// importVerdicts imports one file with a row per case and answers each
// case from the report.
func importVerdicts(t *testing.T, se *senderEnv, admin db.User) func(ruleCase) verdict {
	t.Helper()
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	rows := [][]string{contacts.Columns}
	for _, c := range ruleCases {
		rows = append(rows, []string{keyFor("imp", c.key), c.fullName, c.phone, c.code, c.hint})
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	im := &contacts.Importer{Store: se.w.Store, Hash: func(c string) (string, error) { return secret.HashWith(cheapHash, c) }, Verify: secret.Verify}
	rep, err := im.Import(context.Background(), db.OrgBook(admin.OrgID), &file, contacts.Options{Region: se.w.Org.Country,
		Change: db.Change{Source: db.SourceImport, Actor: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	byLine := map[int]verdict{}
	for _, r := range rep.Invalid {
		byLine[r.Line] = verdict{r.Reason, r.Field}
	}
	line := map[string]int{}
	for i, c := range ruleCases {
		line[c.name] = i + 2 // after the header
	}
	return func(c ruleCase) verdict { return byLine[line[c.name]] }
}

var fieldErrorRE = regexp.MustCompile(`<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>`)

// formVerdict posts c on a book form and reads the refusal beside its
// field back into the rules' field and reason.
func formVerdict(t *testing.T, se *senderEnv, b *browser, path, keyInput, key string, c ruleCase) verdict {
	t.Helper()
	p := b.post(path, url.Values{keyInput: {key}, "name": {c.fullName}, "phone": {c.phone}, "code": {c.code}, "hint": {c.hint}})
	if p.status == http.StatusSeeOther {
		return verdict{}
	}
	m := fieldErrorRE.FindStringSubmatch(p.body)
	if p.status != http.StatusUnprocessableEntity || m == nil {
		t.Fatalf("%s on %s: %d without a field error\n%s", c.name, path, p.status, mainOf(p.body))
	}
	field := ""
	for _, f := range []string{contacts.FieldKey, contacts.FieldName, contacts.FieldPhone, contacts.FieldCode, contacts.FieldHint} {
		if formInput(f, keyInput) == m[1] {
			field = f
		}
	}
	return verdict{reasonOfText(t, se, p.body, html.UnescapeString(m[2])), field}
}

var langRE = regexp.MustCompile(`<html lang="([a-z]+)"`)

// reasonOfText finds the reason key whose translation a page shows.
func reasonOfText(t *testing.T, se *senderEnv, body, text string) string {
	t.Helper()
	lang := langRE.FindStringSubmatch(body)
	if lang == nil {
		t.Fatal("the page names no language")
	}
	for _, r := range []string{"bad_address", "bad_phone", "not_mobile", "code_too_short", "too_long", "hint_without_code",
		"hint_contains_code", "phone_on_domain"} {
		if se.s.i18n.T(lang[1], "reason."+r, nil) == text {
			return r
		}
	}
	t.Fatalf("no reason reads %q", text)
	return ""
}

// apiVerdict PUTs c with the given fields only.
func apiVerdict(t *testing.T, se *senderEnv, apiKey, key string, c ruleCase) verdict {
	t.Helper()
	body := map[string]string{}
	for name, v := range map[string]string{"full_name": c.fullName, "phone_number": c.phone, "access_code": c.code, "access_code_hint": c.hint} {
		if v != "" {
			body[name] = v
		}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	a := se.api(t, http.MethodPut, "/api/v1/contacts/"+url.PathEscape(key), apiKey, string(raw))
	if a.status == http.StatusCreated {
		return verdict{}
	}
	var e apiErrorBody
	a.json(t, &e)
	if a.status != http.StatusUnprocessableEntity {
		t.Fatalf("%s: %d %s", c.name, a.status, a.body)
	}
	field := e.Error.Field
	if field == "email" {
		field = contacts.FieldKey
	}
	return verdict{e.Error.Code, field}
}

// checkStored checks that an accepted case is stored with its number in
// E.164 and its code as a hash, and that a refused one left nothing.
func checkStored(t *testing.T, se *senderEnv, admin db.User, way string, c ruleCase, accepted bool) {
	t.Helper()
	book := db.OrgBook(admin.OrgID)
	if way == "own" {
		book = db.PersonalBook(admin.OrgID, admin.ID)
	}
	got, err := se.w.Store.Contact(context.Background(), book, keyFor(way, c.key))
	switch {
	case !accepted && !errors.Is(err, db.ErrNotFound):
		t.Errorf("%s through %s: a refused entry was stored (%v)", c.name, way, err)
	case !accepted:
	case err != nil:
		t.Errorf("%s through %s: accepted but not stored: %v", c.name, way, err)
	case c.phone != "" && got.Phone != "+31612345678":
		t.Errorf("%s through %s: phone %q", c.name, way, got.Phone)
	case c.code != "" && !verifies(got.AccessCodeHash, c.code):
		t.Errorf("%s through %s: the access code is not stored as its hash", c.name, way)
	case got.AccessCodeHint != c.hint || got.FullName != c.fullName:
		t.Errorf("%s through %s: stored %+v", c.name, way, got)
	}
}

func verifies(hash, code string) bool {
	ok, err := secret.Verify(hash, code)
	return err == nil && ok
}

// TestBookFormsKeepTheStoredCode edits an entry that has an access code
// on both forms: a save that leaves the code empty and the hint as shown
// keeps both; a new hint needs the code typed with it.
func TestBookFormsKeepTheStoredCode(t *testing.T) {
	se := newSenderEnv(t)
	b, admin := se.signInAdmin(t)
	ctx := context.Background()
	for _, f := range []struct {
		path, keyInput string
		book           db.Book
	}{
		{"/admin/book", "key", db.OrgBook(admin.OrgID)},
		{"/contacts", "email", db.PersonalBook(admin.OrgID, admin.ID)},
	} {
		b.get(f.path + "/new")
		if p := b.post(f.path, url.Values{f.keyInput: {"jan@example.com"}, "code": {"tulpen-2026"}, "hint": {"de bloem"}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s: add: %d\n%s", f.path, p.status, mainOf(p.body))
		}
		before, err := se.w.Store.Contact(ctx, f.book, "jan@example.com")
		if err != nil {
			t.Fatal(err)
		}
		entry := f.path + "/" + itoa(before.ID)
		b.get(entry)
		if p := b.post(entry, url.Values{"name": {"Jan"}, "hint": {"de bloem"}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s: edit the name: %d\n%s", f.path, p.status, mainOf(p.body))
		}
		after, _ := se.w.Store.Contact(ctx, f.book, "jan@example.com")
		if after.FullName != "Jan" || after.AccessCodeHash != before.AccessCodeHash || after.AccessCodeHint != "de bloem" {
			t.Errorf("%s: after editing the name: %+v", f.path, after)
		}
		p := b.post(entry, url.Values{"name": {"Jan"}, "hint": {"het jaar"}})
		mustContain(t, f.path+" new hint alone", p, http.StatusUnprocessableEntity, `id="hint-error"`)
		if p := b.post(entry, url.Values{"name": {"Jan"}, "code": {"tulpen-2027"}, "hint": {"het jaar"}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s: new code and hint: %d\n%s", f.path, p.status, mainOf(p.body))
		}
		if got, _ := se.w.Store.Contact(ctx, f.book, "jan@example.com"); got.AccessCodeHint != "het jaar" || !verifies(got.AccessCodeHash, "tulpen-2027") {
			t.Errorf("%s: after a new code: %+v", f.path, got)
		}
	}
}
