package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/secret"
)

// postFile sends a multipart form with one file, with the CSRF token of
// the last page, as the import page's form does.
func (b *browser) postFile(path string, fields url.Values, name, content string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = io.WriteString(fw, content)
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.re.srv.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// signInAdmin adds an admin and signs a new browser in as them.
func (se *senderEnv) signInAdmin(t *testing.T) (*browser, db.User) {
	t.Helper()
	u := se.addUser(t, "beheer@zkh.example", db.RoleAdmin)
	b := se.browser(t)
	b.signIn(u.Email, senderPassword, "/messages")
	return b, u
}

var newKeyRE = regexp.MustCompile(`id="api-key">(sluis_[A-Za-z0-9_-]{43})<`)

// createKey makes an API key on the admin page and returns it.
func (b *browser) createKey(name string) string {
	b.t.Helper()
	b.get("/admin/api-keys")
	p := b.post("/admin/api-keys", url.Values{"name": {name}})
	m := newKeyRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		b.t.Fatalf("creating a key: %d\n%s", p.status, mainOf(p.body))
	}
	return m[1]
}

// apiAnswer is one API response.
type apiAnswer struct {
	status int
	header http.Header
	body   string
}

func (a apiAnswer) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", a.status, err, a.body)
	}
}

// api calls the API with key ("" for none) and extra headers.
func (re *recipientEnv) api(t *testing.T, method, path, key, body string, headers ...string) apiAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, re.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiAnswer{status: res.StatusCode, header: res.Header, body: string(b)}
}

func historyLen(t *testing.T, s *db.Store, book db.Book, key string) int {
	t.Helper()
	c, err := s.Contact(context.Background(), book, key)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.ContactHistory(context.Background(), book.OrgID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(h)
}

func TestAPIKeysAndIdempotentUpsert(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.signInAdmin(t)
	key := b.createKey("crm")
	book := db.OrgBook(se.w.Org.ID)
	const path = "/api/v1/contacts/jan%40example.com"
	body := `{"full_name":"Jan Jansen","phone_number":"06 12345678","access_code":"tulpen-2026","access_code_hint":"de bloem en het jaar"}`

	// Without a key, with a wrong one: the same 401.
	none := se.api(t, "GET", "/api/v1/contacts", "", "")
	wrong := se.api(t, "GET", "/api/v1/contacts", "sluis_"+strings.Repeat("A", 43), "")
	if none.status != 401 || wrong.status != 401 || none.body != wrong.body || !strings.Contains(none.body, `"code":"unauthorized"`) ||
		none.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no key: %d %s; wrong key: %d %s", none.status, none.body, wrong.status, wrong.body)
	}

	created := se.api(t, "PUT", path, key, body)
	if created.status != http.StatusCreated || created.header.Get("ETag") == "" {
		t.Fatalf("PUT: %d %s", created.status, created.body)
	}
	var c apiContact
	created.json(t, &c)
	if c.Email != "jan@example.com" || c.PhoneNumber != "+31612345678" || !c.HasAccessCode || c.Source != "api" {
		t.Errorf("created = %+v", c)
	}
	if strings.Contains(created.body, "argon2") || strings.Contains(created.body, "tulpen-2026") {
		t.Errorf("the answer shows the access code or its hash: %s", created.body)
	}
	stored, _ := se.w.Store.Contact(context.Background(), book, "jan@example.com")
	if ok, _ := secret.Verify(stored.AccessCodeHash, "tulpen-2026"); !ok {
		t.Error("the access code is not stored as its argon2id hash")
	}
	n := historyLen(t, se.w.Store, book, "jan@example.com")

	// The same PUT again changes nothing: 200, same ETag, no history.
	again := se.api(t, "PUT", path, key, body)
	if again.status != http.StatusOK || again.header.Get("ETag") != created.header.Get("ETag") {
		t.Errorf("repeated PUT: %d, ETag %s then %s", again.status, created.header.Get("ETag"), again.header.Get("ETag"))
	}
	if m := historyLen(t, se.w.Store, book, "jan@example.com"); m != n {
		t.Errorf("a repeated PUT wrote history: %d rows, then %d", n, m)
	}
	got := se.api(t, "GET", path, key, "")
	if got.status != 200 || got.header.Get("ETag") != created.header.Get("ETag") {
		t.Errorf("GET: %d, ETag %s", got.status, got.header.Get("ETag"))
	}
	if nm := se.api(t, "GET", path, key, "", "If-None-Match", got.header.Get("ETag")); nm.status != http.StatusNotModified {
		t.Errorf("GET If-None-Match: %d", nm.status)
	}

	// The import's rules, as JSON errors.
	for _, bad := range []struct{ body, code string }{
		{`{"phone_number":"12"}`, "bad_phone"},
		{`{"phone_number":"+31201234567"}`, "not_mobile"},
		{`{"access_code":"kort"}`, "code_too_short"},
		{`{"access_code":"geheim-123","access_code_hint":"het is geheim-123"}`, "hint_contains_code"},
		{`{"access_code_hint":"zonder code"}`, "hint_without_code"},
	} {
		a := se.api(t, "PUT", path, key, bad.body)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, `"code":"`+bad.code+`"`) {
			t.Errorf("PUT %s: %d %s", bad.body, a.status, a.body)
		}
	}
	if a := se.api(t, "PUT", path, key, `{"fax":"1"}`); a.status != 400 || !strings.Contains(a.body, `"bad_json"`) {
		t.Errorf("unknown field: %d %s", a.status, a.body)
	}
	if a := se.api(t, "PUT", "/api/v1/contacts/not-an-address@", key, `{}`); a.status != 422 {
		t.Errorf("bad address: %d %s", a.status, a.body)
	}

	// Every use of the key is in the audit log, the key itself nowhere.
	events, err := se.w.Store.AuditEvents(context.Background(), se.w.Org.ID, db.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
		if strings.Contains(e.Actor+e.Target+e.Before+e.After+e.Detail, key[6:]) {
			t.Errorf("the audit log holds the key: %+v", e)
		}
	}
	if kinds["apikey.create"] != 1 || kinds["api.contact.put"] != 2 || kinds["api.contact.get"] != 2 || kinds["api.refused"] != 7 {
		t.Errorf("audit events = %v", kinds)
	}
	if logs := se.logs.String(); strings.Contains(logs, key[6:]) || strings.Contains(logs, "tulpen-2026") {
		t.Error("the log holds the key or the access code")
	}

	// Revoked on the page: the key stops working at once.
	keys, _ := se.w.Store.APIKeys(context.Background(), se.w.Org.ID)
	b.get("/admin/api-keys")
	if p := b.post("/admin/api-keys/"+itoa(keys[0].ID)+"/revoke", nil); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	if a := se.api(t, "GET", path, key, ""); a.status != 401 || a.body != none.body {
		t.Errorf("revoked key: %d %s", a.status, a.body)
	}
	if p := b.get("/admin/api-keys"); strings.Contains(p.body, key) {
		t.Error("the key list shows the key again")
	}
}

func TestAPIETagsAndPaging(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.signInAdmin(t)
	key := b.createKey("hr")
	const path = "/api/v1/contacts/an@example.com"
	first := se.api(t, "PUT", path, key, `{"phone_number":"+31612345678"}`)
	etag1 := first.header.Get("ETag")

	// A writer that read version 1 updates it; another that read version 1
	// too is refused, and so is a delete based on the old version.
	ok := se.api(t, "PUT", path, key, `{"phone_number":"+31612345679"}`, "If-Match", etag1)
	if ok.status != 200 || ok.header.Get("ETag") == etag1 {
		t.Fatalf("PUT If-Match current: %d %s", ok.status, ok.body)
	}
	lost := se.api(t, "PUT", path, key, `{"phone_number":"+31612345670"}`, "If-Match", etag1)
	if lost.status != http.StatusPreconditionFailed || !strings.Contains(lost.body, `"code":"precondition_failed"`) {
		t.Errorf("PUT If-Match stale: %d %s", lost.status, lost.body)
	}
	if c, _ := se.w.Store.Contact(context.Background(), db.OrgBook(se.w.Org.ID), "an@example.com"); c.Phone != "+31612345679" {
		t.Errorf("a refused PUT changed the entry: %s", c.Phone)
	}
	if a := se.api(t, "DELETE", path, key, "", "If-Match", etag1); a.status != http.StatusPreconditionFailed {
		t.Errorf("DELETE If-Match stale: %d", a.status)
	}
	if a := se.api(t, "PUT", "/api/v1/contacts/new@example.com", key, `{}`, "If-Match", `"x"`); a.status != http.StatusPreconditionFailed {
		t.Errorf("PUT If-Match on a missing entry: %d", a.status)
	}
	if a := se.api(t, "PUT", path, key, `{}`, "If-None-Match", "*"); a.status != http.StatusPreconditionFailed {
		t.Errorf("create-only PUT on an existing entry: %d", a.status)
	}
	if a := se.api(t, "DELETE", path, key, "", "If-Match", ok.header.Get("ETag")); a.status != http.StatusNoContent {
		t.Errorf("DELETE If-Match current: %d %s", a.status, a.body)
	}
	if a := se.api(t, "GET", path, key, ""); a.status != 404 || !strings.Contains(a.body, `"code":"not_found"`) {
		t.Errorf("GET after DELETE: %d %s", a.status, a.body)
	}
	if a := se.api(t, "DELETE", path, key, ""); a.status != 404 {
		t.Errorf("DELETE again: %d", a.status)
	}

	// Paging: five entries, two at a time, in address order.
	for _, a := range []string{"e", "c", "a", "d", "b"} {
		if r := se.api(t, "PUT", "/api/v1/contacts/"+a+"@page.example", key, `{"full_name":"`+a+`"}`); r.status != 201 {
			t.Fatalf("PUT %s: %d %s", a, r.status, r.body)
		}
	}
	var seen []string
	cursor, pages := "", 0
	for {
		a := se.api(t, "GET", "/api/v1/contacts?limit=2&cursor="+url.QueryEscape(cursor), key, "")
		var out struct {
			Contacts   []apiContact `json:"contacts"`
			NextCursor string       `json:"next_cursor"`
		}
		a.json(t, &out)
		pages++
		for _, c := range out.Contacts {
			seen = append(seen, c.Email)
		}
		if cursor = out.NextCursor; cursor == "" || pages > 5 {
			break
		}
	}
	if strings.Join(seen, " ") != "a@page.example b@page.example c@page.example d@page.example e@page.example" || pages != 3 {
		t.Errorf("%d pages: %v", pages, seen)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "cursor=%21%21"} {
		if a := se.api(t, "GET", "/api/v1/contacts?"+q, key, ""); a.status != 400 {
			t.Errorf("GET ?%s: %d", q, a.status)
		}
	}
}

func TestAPIKeyNeverTouchesAnotherOrganisation(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.signInAdmin(t)
	key := b.createKey("crm")
	ctx := context.Background()
	other, err := se.w.Store.CreateOrg(ctx, db.NewOrg{Name: "Ander", Domains: []string{"ander.example"}})
	if err != nil {
		t.Fatal(err)
	}
	token, hash, err := secret.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	err = se.w.Store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateAPIKey(ctx, db.NewAPIKey{OrgID: other.ID, Name: "theirs", TokenHash: hash, Prefix: token[:4]})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const path = "/api/v1/contacts/gedeeld@example.com"
	if a := se.api(t, "PUT", path, key, `{"phone_number":"+31612345678"}`); a.status != 201 {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	if a := se.api(t, "GET", path, token, ""); a.status != 404 {
		t.Errorf("another organisation's key reads the entry: %d %s", a.status, a.body)
	}
	if a := se.api(t, "DELETE", path, token, ""); a.status != 404 {
		t.Errorf("another organisation's key deletes the entry: %d", a.status)
	}
	if a := se.api(t, "PUT", path, token, `{"phone_number":"+31612345679"}`); a.status != 201 {
		t.Errorf("another organisation's PUT: %d %s (want a new entry in its own book)", a.status, a.body)
	}
	if a := se.api(t, "GET", "/api/v1/contacts", token, ""); strings.Count(a.body, `"email"`) != 1 {
		t.Errorf("another organisation's list: %s", a.body)
	}
	if c, _ := se.w.Store.Contact(ctx, db.OrgBook(se.w.Org.ID), "gedeeld@example.com"); c.Phone != "+31612345678" {
		t.Errorf("our entry changed: %s", c.Phone)
	}
	if ev, _ := se.w.Store.AuditEvents(ctx, se.w.Org.ID, db.AuditQuery{Actor: "theirs"}); len(ev) != 0 {
		t.Errorf("their key's use is in our audit log: %d events", len(ev))
	}
}

func TestAPIWithoutCSRFButNotWithCookiesAlone(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.signInAdmin(t)
	key := b.createKey("crm")
	sess := b.c.Jar.Cookies(mustURL(t, se.srv.URL))
	var cookies []string
	for _, c := range sess {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	// A bearer key needs no CSRF token, cookies or not.
	if a := se.api(t, "PUT", "/api/v1/contacts/x@example.com", key, `{}`, "Cookie", strings.Join(cookies, "; ")); a.status != 201 {
		t.Errorf("PUT with a key and cookies: %d %s", a.status, a.body)
	}
	// A signed-in browser's session opens nothing here, and a cookie-borne
	// unsafe request without a key is a CSRF refusal, in JSON.
	a := se.api(t, "PUT", "/api/v1/contacts/x@example.com", "", `{}`, "Cookie", strings.Join(cookies, "; "))
	if a.status != http.StatusForbidden || !strings.Contains(a.body, `"error"`) {
		t.Errorf("PUT with only the session cookie: %d %s", a.status, a.body)
	}
	if a := se.api(t, "GET", "/api/v1/contacts", "", "", "Cookie", strings.Join(cookies, "; ")); a.status != 401 {
		t.Errorf("GET with only the session cookie: %d", a.status)
	}
	if a := se.api(t, "GET", "/api/v1/nothing", key, ""); a.status != 404 || !strings.Contains(a.body, `"code":"not_found"`) {
		t.Errorf("unknown API path: %d %s", a.status, a.body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
