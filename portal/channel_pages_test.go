package portal

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/delivery"
)

// newChannelEnv is a portal whose mail goes through a real SMTP relay on
// loopback, with the organisation's admin able to sign in.
func newChannelEnv(t *testing.T) (*senderEnv, *mailRelay) {
	t.Helper()
	relay := startMailRelay(t)
	w := testworld.New(t, nil, "")
	jobs := &jobRecorder{}
	e := newEnv(t, func(o *Options) {
		worldSetup{jobs: jobs, mail: relay.sender("sluis@zkh.example")}.options(t, w, o)
	})
	se := &senderEnv{recipientEnv: &recipientEnv{env: e, w: w, v: e.opt.Verify, srv: httptest.NewServer(e.s.Handler())},
		auth: e.opt.Auth, policy: e.opt.Policy, jobs: jobs}
	t.Cleanup(se.srv.Close)
	se.setPassword(t, w.Sender)
	return se, relay
}

// codeLine is the code on its own line in the code mail's text.
var codeLine = regexp.MustCompile(`(?m)^\s+(\d{6})\s*\r?$`)

// channelCode is the code of the latest code mail the relay took for addr.
func channelCode(t *testing.T, relay *mailRelay, addr string) string {
	t.Helper()
	relay.waitFor(t, addr, "channel-code", 10*time.Second)
	if ms := relay.Mails(addr, "channel-code"); len(ms) > 0 {
		m := ms[len(ms)-1]
		if c := codeLine.FindStringSubmatch(m.Data); c != nil {
			return c[1]
		}
		t.Fatalf("no code in the mail:\n%s", m.Data)
	}
	t.Fatalf("no code mail to %s", addr)
	return ""
}

// postChannel sends the message form as a browser does, multipart.
func (b *browser) postChannel(path string, fields url.Values, files map[string][]byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, content := range files {
		w, _ := mw.CreateFormFile("files", name)
		_, _ = w.Write(content)
	}
	if len(files) == 0 {
		_, _ = mw.CreateFormFile("files", "") // an empty file field
	}
	_ = mw.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.re.srv.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// proveAddress walks b through the first two steps for addr.
func proveAddress(t *testing.T, b *browser, relay *mailRelay, base, addr string) {
	t.Helper()
	b.get(base)
	if p := b.post(base+"/code", url.Values{"address": {addr}}); p.status != http.StatusSeeOther || p.location != base {
		t.Fatalf("send code: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	b.get(base)
	if p := b.post(base+"/check", url.Values{"code": {channelCode(t, relay, addr)}}); p.location != base+"/write" {
		t.Fatalf("check code: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
}

// TestChannelCitizenFlow: the whole way of a citizen over HTTP — the page
// in the organisation's look, the address, the code mailed through the
// relay, a wrong and a right code, the message with a file, the sent page
// — and what it leaves: the encrypted message, its job and audit events.
func TestChannelCitizenFlow(t *testing.T) {
	se, relay := newChannelEnv(t)
	b := se.browser(t)
	const base = "/to/zkh.example"
	mustContain(t, "page", b.get(base), http.StatusOK, "Write to Ziekenhuis Oost securely", `id="address"`, `action="/to/zkh.example/code"`,
		"prove your e-mail address")
	if p := b.get("/to/ZKH.Example"); p.status != http.StatusSeeOther || p.location != base {
		t.Errorf("another spelling of the domain: %d to %q", p.status, p.location)
	}
	p := b.post(base+"/code", url.Values{"address": {"not an address"}})
	mustContain(t, "bad address", p, http.StatusUnprocessableEntity, `id="address-error"`, `value="not an address"`, `aria-invalid="true"`)

	p = b.post(base+"/code", url.Values{"address": {"burger@example.com"}})
	if p.status != http.StatusSeeOther || p.location != base {
		t.Fatalf("send code: %d to %q", p.status, p.location)
	}
	var ck *http.Cookie
	for _, c := range p.cookies {
		if c.Name == channelCookie {
			ck = c
		}
	}
	if ck == nil || ck.Path != base || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || len(ck.Value) != 43 {
		t.Fatalf("the writer's cookie: %+v", ck)
	}
	code := channelCode(t, relay, "burger@example.com")
	mustContain(t, "code form", b.get(base), http.StatusOK, `id="code"`, "burger@example.com", "5 attempts left")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	mustContain(t, "wrong code", b.post(base+"/check", url.Values{"code": {wrong}}), http.StatusUnprocessableEntity,
		`id="code-error"`, "That code is not right.", "4 attempts left")
	if p := b.post(base+"/check", url.Values{"code": {code[:3] + " " + code[3:]}}); p.status != http.StatusSeeOther || p.location != base+"/write" {
		t.Fatalf("right code: %d to %q", p.status, p.location)
	}
	mustContain(t, "write form", b.get(base), http.StatusSeeOther)
	mustContain(t, "write form", b.get(base+"/write"), http.StatusOK, `id="subject"`, `id="text"`, `id="files"`, `id="name"`,
		"From burger@example.com", `enctype="multipart/form-data"`)

	p = b.postChannel(base+"/write", url.Values{"name": {"Piet"}, "subject": {""}, "text": {"Mijn <b>vraag</b>"}}, nil)
	mustContain(t, "no subject", p, http.StatusUnprocessableEntity, `id="subject-error"`, "Mijn &lt;b&gt;vraag&lt;/b&gt;", `value="Piet"`)
	p = b.postChannel(base+"/write", url.Values{"name": {"Piet"}, "subject": {"Uitslag"}, "text": {"Mijn vraag"}},
		map[string][]byte{"scan.pdf": []byte("%PDF-1.4 scan")})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, base+"/sent?ref=") {
		t.Fatalf("send: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	ref := strings.TrimPrefix(p.location, base+"/sent?ref=")
	mustContain(t, "sent", b.get(p.location), http.StatusOK, "Your message was sent", ref, "burger@example.com")
	if p := b.get(base + "/sent?ref=" + strings.Repeat("0", 32)); p.status != http.StatusSeeOther {
		t.Errorf("the sent page of a message not the writer's: %d", p.status)
	}

	ctx := context.Background()
	m, err := se.w.Store.ChannelMessageByUID(ctx, se.w.Org.ID, ref)
	if err != nil || m.Address != "burger@example.com" || strings.Contains(string(m.Subject), "Uitslag") {
		t.Fatalf("stored: %+v, %v", m, err)
	}
	if subject, _ := se.w.Delivery.ChannelSubject(m); subject != "Uitslag" {
		t.Errorf("subject %q", subject)
	}
	files, _ := se.w.Store.ChannelAttachments(ctx, se.w.Org.ID, m.ID)
	if len(files) != 1 || files[0].Size != 13 {
		t.Errorf("files: %+v", files)
	}
	found := false
	for _, j := range se.jobs.jobs {
		if a, ok := j.(delivery.NotifyChannelArgs); ok && a.ChannelMessageID == m.ID {
			found = true
		}
	}
	if !found {
		t.Errorf("no notify_channel job among %+v", se.jobs.jobs)
	}
	for _, kind := range []string{"channel.code", "channel.verify", "channel.message"} {
		if evs := se.auditKinds(t, se.w.Org.ID, kind); len(evs) == 0 {
			t.Errorf("no %s event", kind)
		}
	}
	// The session lasts an hour; then the write form sends the writer back.
	se.w.Clock.Advance(61 * time.Minute)
	if p := b.get(base + "/write"); p.status != http.StatusSeeOther || p.location != base {
		t.Errorf("the write form after the session: %d to %q", p.status, p.location)
	}
	p = b.postChannel(base+"/write", url.Values{"subject": {"Nog een"}, "text": {"Getypte tekst"}}, nil)
	mustContain(t, "a message after the session", p, http.StatusUnprocessableEntity, "Your time to write ran out", "Getypte tekst")
}

// TestChannelCodeRefusals: the resend cooldown, a language switch on a
// re-rendered form, a code that is void after five wrong entries.
func TestChannelCodeRefusals(t *testing.T) {
	se, relay := newChannelEnv(t)
	b := se.browser(t)
	const base = "/to/zkh.example"
	b.get(base)
	b.post(base+"/code", url.Values{"address": {"a@example.com"}})
	channelCode(t, relay, "a@example.com")
	b.get(base)
	mustContain(t, "resend too soon", b.post(base+"/resend", nil), http.StatusTooManyRequests, `id="send-error"`,
		"Wait a minute", "60 seconds")
	if p := b.get(base + "/resend?lang=fr"); p.status != http.StatusSeeOther || p.location != base {
		t.Errorf("a language switch on the resend form: %d to %q", p.status, p.location)
	}
	mustContain(t, "in French", b.get(base), http.StatusOK, "Saisissez le code")
	for range 4 {
		b.post(base+"/check", url.Values{"code": {"12345"}}) // malformed: counts nothing
	}
	for range 4 {
		b.post(base+"/check", url.Values{"code": {"999999"}})
	}
	p := b.post(base+"/check", url.Values{"code": {"999998"}})
	mustContain(t, "fifth wrong code", p, http.StatusUnprocessableEntity, "ne fonctionne plus")
	se.w.Clock.Advance(time.Minute)
	if p := b.post(base+"/resend", nil); p.status != http.StatusSeeOther {
		t.Fatalf("a new code after a minute: %d\n%s", p.status, mainOf(p.body))
	}
	relay.waitCount(t, "a@example.com", "channel-code", 2, 10*time.Second)
	if p := b.post(base+"/check", url.Values{"code": {channelCode(t, relay, "a@example.com")}}); p.location != base+"/write" {
		t.Errorf("the new code: %d to %q", p.status, p.location)
	}
}

// TestChannelNotFoundSameness: an unknown domain, a malformed one and a
// page turned off answer like any unknown URL; a cookie of one
// organisation's page opens nothing on another's.
func TestChannelNotFoundSameness(t *testing.T) {
	se, relay := newChannelEnv(t)
	ctx := context.Background()
	other, err := se.w.Store.CreateOrg(ctx, db.NewOrg{Name: "Gemeente", Domains: []string{"gemeente.example"}})
	if err != nil {
		t.Fatal(err)
	}
	off, err := se.w.Store.CreateOrg(ctx, db.NewOrg{Name: "Dicht", Domains: []string{"dicht.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := se.w.Store.InTx(ctx, func(tx *db.Tx) error {
		return tx.PutChannelSettings(ctx, db.ChannelSettings{OrgID: off.ID, Enabled: false, UpdatedAt: se.w.Clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	b := se.browser(t)
	proveAddress(t, b, relay, "/to/zkh.example", "a@example.com")
	token := ""
	u, _ := url.Parse(se.srv.URL + "/to/zkh.example/write")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == channelCookie {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no channel cookie")
	}
	want := b.get("/no/such/page")
	if want.status != http.StatusNotFound {
		t.Fatalf("an unknown URL: %d", want.status)
	}
	body := func(p page) string { return requestIDs.ReplaceAllString(mainOf(p.body), "") }
	for _, path := range []string{"/to/unknown.example", "/to/dicht.example", "/to/not_a_domain", "/to/dicht.example/write",
		"/to/unknown.example/sent?ref=x"} {
		p := b.get(path)
		if p.status != http.StatusNotFound || body(p) != body(want) {
			t.Errorf("%s: %d, not the unknown-URL page\n%s", path, p.status, mainOf(p.body))
		}
	}
	for _, path := range []string{"/to/unknown.example/code", "/to/dicht.example/check"} {
		if p := b.post(path, url.Values{"address": {"a@example.com"}}); p.status != http.StatusNotFound || body(p) != body(want) {
			t.Errorf("POST %s: %d, not the unknown-URL page", path, p.status)
		}
	}
	// The browser would not even send the cookie on another path; sent
	// anyway, it is not this organisation's.
	stolen := &http.Cookie{Name: channelCookie, Value: token}
	for _, path := range []string{"/to/gemeente.example", "/to/gemeente.example/write"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, se.srv.URL+path, nil)
		req.AddCookie(stolen)
		p := b.do(req)
		switch {
		case path == "/to/gemeente.example" && (p.status != http.StatusOK || !strings.Contains(p.body, `id="address"`) || strings.Contains(p.body, `id="code"`)):
			t.Errorf("%s with another organisation's cookie: %d\n%s", path, p.status, mainOf(p.body))
		case path == "/to/gemeente.example/write" && (p.status != http.StatusSeeOther || p.location != "/to/gemeente.example"):
			t.Errorf("%s with another organisation's cookie: %d to %q", path, p.status, p.location)
		}
	}
	_ = other
}

// requestIDs are the per-request references an error page shows.
var requestIDs = regexp.MustCompile(`Reference: [^<]+`)

// TestChannelUploadLimits: more files than a reply may have, and more
// bytes, are refused beside the files field with the text kept.
func TestChannelUploadLimits(t *testing.T) {
	se, relay := newChannelEnv(t)
	b := se.browser(t)
	const base = "/to/zkh.example"
	proveAddress(t, b, relay, base, "a@example.com")
	many := map[string][]byte{}
	for i := range delivery.MaxReplyFiles + 1 {
		many["f"+string(rune('a'+i))+".txt"] = []byte("x")
	}
	fields := url.Values{"subject": {"Bestanden"}, "text": {"Zie bijlagen"}}
	p := b.postChannel(base+"/write", fields, many)
	mustContain(t, "11 files", p, http.StatusUnprocessableEntity, `id="files-error"`, "at most 10", "Zie bijlagen", `value="Bestanden"`)
	big := map[string][]byte{"a.bin": bytes.Repeat([]byte("x"), maxReplyFiles/2), "b.bin": bytes.Repeat([]byte("y"), maxReplyFiles/2+1)}
	p = b.postChannel(base+"/write", fields, big)
	mustContain(t, "over 25 MB", p, http.StatusUnprocessableEntity, `id="files-error"`, "25 MB", "Zie bijlagen")
	if n := len(se.auditKinds(t, se.w.Org.ID, "channel.message")); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

// TestAdminChannelSettings: the admin page shows the public address,
// keeps typed text on an error beside the field, saves, and the public
// page then shows the intro with its line breaks, never as HTML.
func TestAdminChannelSettings(t *testing.T) {
	se, _ := newChannelEnv(t)
	admin, _ := se.adminBrowser(t)
	mustContain(t, "admin page", admin.get("/admin/channel"), http.StatusOK, "http://localhost:8080/to/zkh.example",
		`id="enabled"`, `id="inbox"`, `id="intro_nl"`, `id="intro_fr"`, `id="intro_en"`, `href="/admin/channel" aria-current="page"`)
	form := url.Values{"enabled": {"1"}, "inbox": {"nobody@zkh.example"}, "intro_en": {"Line one\r\n<b>two</b>"}}
	p := admin.post("/admin/channel", form)
	mustContain(t, "bad inbox", p, http.StatusUnprocessableEntity, `id="inbox-error"`, `value="nobody@zkh.example"`, "Line one\n&lt;b&gt;two&lt;/b&gt;")
	form.Set("intro_fr", strings.Repeat("é", delivery.MaxChannelIntro+1))
	form.Set("inbox", "arts@zkh.example")
	mustContain(t, "long intro", admin.post("/admin/channel", form), http.StatusUnprocessableEntity, `id="intro_fr-error"`)
	form.Del("intro_fr")
	if p := admin.post("/admin/channel", form); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.status, mainOf(p.body))
	}
	mustContain(t, "saved", admin.get("/admin/channel?done=saved"), http.StatusOK, "The settings are saved.", `value="arts@zkh.example"`)
	b := se.browser(t)
	mustContain(t, "intro", b.get("/to/zkh.example?lang=en"), http.StatusOK, "Line one<br>&lt;b&gt;two&lt;/b&gt;")
	if n := len(se.auditKinds(t, se.w.Org.ID, "channel.settings")); n != 1 {
		t.Errorf("%d channel.settings events, want 1", n)
	}
	form.Del("enabled")
	admin.post("/admin/channel", form)
	if p := b.get("/to/zkh.example"); p.status != http.StatusNotFound {
		t.Errorf("a page turned off: %d", p.status)
	}
	sender := se.browser(t)
	sender.signIn(se.w.Sender.Email, senderPassword, "/messages")
	if p := sender.get("/admin/channel"); p.status != http.StatusNotFound {
		t.Errorf("a sender on the admin page: %d", p.status)
	}
	_ = io.Discard
}

// TestChannelCookieSecureOverHTTPS: with an https base URL the writer's
// cookie is Secure as well as HttpOnly, SameSite=Lax and on the page's path.
func TestChannelCookieSecureOverHTTPS(t *testing.T) {
	relay := startMailRelay(t)
	w := testworld.New(t, nil, "")
	e := newEnv(t, func(o *Options) {
		o.BaseURL = "https://sluis.zkh.example"
		worldSetup{mail: relay.sender("sluis@zkh.example"), baseURL: "https://sluis.zkh.example"}.options(t, w, o)
	})
	ck, token := e.csrf(t)
	e.check(t, scenario{target: "/to/zkh.example", status: http.StatusOK, contains: []string{`id="address"`}})
	rec := e.do(scenario{method: http.MethodPost, target: "/to/zkh.example/code", cookies: []*http.Cookie{ck},
		form: url.Values{"csrf": {token}, "address": {"burger@example.com"}}})
	c := cookie(rec, channelCookie)
	if rec.Code != http.StatusSeeOther || c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/to/zkh.example" {
		t.Fatalf("%d, cookie %+v", rec.Code, c)
	}
	relay.waitFor(t, "burger@example.com", "channel-code", 10*time.Second)
}
