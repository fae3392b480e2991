package portal

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/sms"
	"sluis/portal/verify"
)

// recipientEnv is a portal with the recipient routes over a World: real
// store, vault and delivery; a recording job queue and SMS gateway.
type recipientEnv struct {
	*env
	w   *testworld.World
	v   *verify.Service
	srv *httptest.Server
}

func newRecipientEnv(t *testing.T, texts sms.Sender) *recipientEnv {
	t.Helper()
	w := testworld.New(t, nil, "")
	e := newEnv(t, func(o *Options) { worldSetup{texts: texts}.options(t, w, o) })
	re := &recipientEnv{env: e, w: w, v: e.opt.Verify, srv: httptest.NewServer(e.s.Handler())}
	t.Cleanup(re.srv.Close)
	return re
}

// report submits testdata/recipient/report.eml to rcpts.
func (re *recipientEnv) report(t *testing.T, rcpts ...string) (db.Message, []db.Recipient) {
	t.Helper()
	raw, err := os.ReadFile("testdata/recipient/report.eml")
	if err != nil {
		t.Fatal(err)
	}
	return re.w.Submit(t, string(raw), rcpts...)
}

// smsRecipient is the patient, by SMS, of a fresh report.
func (re *recipientEnv) smsRecipient(t *testing.T) db.Recipient {
	t.Helper()
	re.w.AddPhone(t, "patient@example.com", "+31612345678")
	re.w.AddPhone(t, "collega@partner.example", "+31612345679")
	_, rs := re.report(t, "patient@example.com", "collega@partner.example")
	return rs[0]
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	re   *recipientEnv
	c    *http.Client
	csrf string
}

func (re *recipientEnv) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, re: re, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one answer.
type page struct {
	status   int
	body     string
	location string
	header   http.Header
	cookies  []*http.Cookie
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := page{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header, cookies: res.Cookies()}
	if m := csrfInput.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, b.re.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the CSRF token of the last page.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.re.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// verifyBySMS walks from the link to the open message.
func (b *browser) verifyBySMS(rc db.Recipient) {
	b.t.Helper()
	link := b.re.w.Path(rc)
	b.get(link)
	if p := b.post(link+"/code", nil); p.status != http.StatusSeeOther {
		b.t.Fatalf("send code: %d %s", p.status, p.body)
	}
	b.get(link)
	code := b.re.w.Texts.LastCode(rc.Phone)
	if p := b.post(link+"/check", url.Values{"code": {code[:3] + " " + code[3:]}}); p.location != link+"/read" {
		b.t.Fatalf("check code: %d to %q", p.status, p.location)
	}
}

func mustContain(t *testing.T, what string, p page, status int, parts ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("%s: status %d, want %d", what, p.status, status)
	}
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: page lacks %q in\n%s", what, s, mainOf(p.body))
		}
	}
}

// mainOf is the page's main element, for failure messages.
func mainOf(body string) string {
	if i, j := strings.Index(body, "<main"), strings.Index(body, "</main>"); i >= 0 && j > i {
		return body[i:j]
	}
	return body
}

func mustLack(t *testing.T, what string, p page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if strings.Contains(p.body, s) {
			t.Errorf("%s: page shows %q", what, s)
		}
	}
}
