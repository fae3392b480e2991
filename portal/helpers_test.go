package portal

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"sluis/internal/testworld"
	"sluis/portal/auth"
	"sluis/portal/delivery"
	"sluis/portal/mailer"
	"sluis/portal/policy"
	"sluis/portal/receipts"
	"sluis/portal/sms"
	"sluis/portal/verify"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a portal under test with its options, registry and log.
type env struct {
	s    *Server
	opt  Options
	reg  *prometheus.Registry
	logs *syncBuffer
}

// newEnv builds a portal; edit may set options, and the services it
// leaves out are built over a fresh World.
func newEnv(t *testing.T, edit func(*Options)) *env {
	t.Helper()
	e := &env{reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	opt := Options{
		Logger:   slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BaseURL:  "http://localhost:8080",
		Registry: e.reg,
	}
	if edit != nil {
		edit(&opt)
	}
	if opt.Store == nil {
		worldSetup{}.options(t, testworld.New(t, nil, ""), &opt)
	}
	s, err := New(opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.s, e.opt = s, opt
	return e
}

// worldSetup says how a test's services over a World are built.
type worldSetup struct {
	jobs       delivery.Enqueuer // delivery's and receipts' queue; nil: the World's
	mail       mailer.Sender     // nil: a recording one
	texts      sms.Sender        // the SMS gateway; nil: the World's
	unitPolicy bool              // delivery follows the units' policies (else its defaults)
	baseURL    string            // where delivery's links point; "": testworld.BaseURL
}

// options fills o with every service the portal needs over w, as
// cmd/sluis wires them: receipts before delivery, which asks its rule
// when a message is read; w.Delivery is replaced by that delivery.
func (ws worldSetup) options(t testing.TB, w *testworld.World, o *Options) {
	t.Helper()
	if ws.jobs == nil {
		ws.jobs = w.Jobs
	}
	if ws.mail == nil {
		ws.mail = &testworld.Mails{}
	}
	if ws.texts == nil {
		ws.texts = w.Texts
	}
	if ws.baseURL == "" {
		ws.baseURL = testworld.BaseURL
	}
	quiet := slog.New(slog.DiscardHandler)
	pol := policy.New(w.Store)
	rcpt := receipts.New(receipts.Options{Store: w.Store, Policy: pol, Jobs: ws.jobs, Mailer: ws.mail, Vault: w.Vault,
		Text: w.Text, MailFrom: "sluis@zkh.example", BaseURL: ws.baseURL, Now: w.Clock.Now, Logger: quiet})
	dopt := delivery.Options{Store: w.Store, Vault: w.Vault, Keys: w.Keys, Jobs: ws.jobs, Text: w.Text, BaseURL: ws.baseURL,
		MailFrom: "sluis@zkh.example", Now: w.Clock.Now, Mailer: ws.mail, Receipts: rcpt, Logger: quiet}
	if ws.unitPolicy {
		dopt.Policy = pol
	}
	w.Delivery = delivery.New(dopt)
	t.Cleanup(w.Delivery.Close)
	v, err := verify.New(verify.Options{Store: w.Store, SMS: ws.texts, CodeKey: w.CodeKey(), Notifier: w.Delivery, Text: w.Text,
		Mail: ws.mail, MailFrom: "sluis@zkh.example",
		Now: w.Clock.Now, Logger: quiet, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.Options{Store: w.Store, Vault: w.Vault, Policy: pol, Now: w.Clock.Now, Hash: cheapHash,
		Logger: quiet, RPID: "localhost", RPOrigins: []string{"http://localhost", ws.baseURL}})
	if err != nil {
		t.Fatal(err)
	}
	o.Store, o.Verify, o.Delivery, o.Auth, o.Policy, o.Receipts = w.Store, v, w.Delivery, a, pol, rcpt
	o.Now = w.Clock.Now
	o.CSRFKey = w.Keys.Derive("csrf v1") // as cmd/sluis derives it: the same on every instance
}

// scenario is one request and what must come back.
type scenario struct {
	name     string
	method   string // GET when empty
	target   string
	header   map[string]string
	cookies  []*http.Cookie
	form     url.Values
	status   int
	contains []string
	absent   []string
	headers  map[string]string // exact values; "" means absent
}

func (e *env) do(sc scenario) *httptest.ResponseRecorder {
	method := sc.method
	if method == "" {
		method = http.MethodGet
	}
	var body *strings.Reader
	if sc.form != nil {
		body = strings.NewReader(sc.form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, sc.target, body)
	if sc.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range sc.header {
		req.Header.Set(k, v)
	}
	for _, c := range sc.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.s.Handler().ServeHTTP(rec, req)
	return rec
}

// check runs sc and reports every way the answer differs from it.
func (e *env) check(t *testing.T, sc scenario) *httptest.ResponseRecorder {
	t.Helper()
	rec := e.do(sc)
	body := rec.Body.String()
	if rec.Code != sc.status {
		t.Errorf("%s %s: status %d, want %d", sc.method, sc.target, rec.Code, sc.status)
	}
	for _, s := range sc.contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body lacks %q", sc.target, s)
		}
	}
	for _, s := range sc.absent {
		if strings.Contains(body, s) {
			t.Errorf("%s: body contains %q", sc.target, s)
		}
	}
	for k, want := range sc.headers {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s: header %s = %q, want %q", sc.target, k, got, want)
		}
	}
	return rec
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf fetches the sign-in page as a browser would and returns the CSRF
// cookie it got and the token in the form.
func (e *env) csrf(t *testing.T) (*http.Cookie, string) {
	t.Helper()
	rec := e.do(scenario{target: "/signin"})
	m := csrfInput.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the sign-in form has no csrf field")
	}
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "csrf") {
			return c, m[1]
		}
	}
	t.Fatal("GET /signin set no CSRF cookie")
	return nil, ""
}

// cookie finds the named cookie a response set.
func cookie(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
