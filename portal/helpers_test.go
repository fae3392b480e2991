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

// env is a portal under test with its registry and its log.
type env struct {
	s    *Server
	reg  *prometheus.Registry
	logs *syncBuffer
}

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
	s, err := New(opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.s = s
	return e
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
