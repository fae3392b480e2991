package portal

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	cspRE    = regexp.MustCompile(`^default-src 'none'; script-src 'nonce-([A-Za-z0-9+/_-]{22,})'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$`)
	scriptRE = regexp.MustCompile(`<script[^>]*>`)
	nonceRE  = regexp.MustCompile(`nonce="([^"]*)"`)
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t, nil)
	css, _ := e.s.assets.URL("app.css")
	fixed := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Strict-Transport-Security":  "", // plain HTTP on localhost
	}
	for _, sc := range []scenario{
		{name: "page", target: "/signin", status: http.StatusOK},
		{name: "about", target: "/about", status: http.StatusOK},
		{name: "404", target: "/nope", status: http.StatusNotFound},
		{name: "403", method: http.MethodPost, target: "/signin", status: http.StatusForbidden},
		{name: "asset", target: css, status: http.StatusOK},
		{name: "probe", target: "/healthz", status: http.StatusOK},
	} {
		t.Run(sc.name, func(t *testing.T) {
			sc.headers = fixed
			rec := e.check(t, sc)
			if pp := rec.Header().Get("Permissions-Policy"); !strings.Contains(pp, "camera=()") {
				t.Errorf("Permissions-Policy = %q", pp)
			}
			m := cspRE.FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
			if m == nil {
				t.Fatalf("CSP = %q", rec.Header().Get("Content-Security-Policy"))
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				return
			}
			scripts := scriptRE.FindAllString(rec.Body.String(), -1)
			if len(scripts) == 0 {
				t.Fatal("the page has no script tag to check")
			}
			for _, tag := range scripts {
				if n := nonceRE.FindStringSubmatch(tag); n == nil || n[1] != m[1] {
					t.Errorf("%s does not carry the CSP nonce %s", tag, m[1])
				}
			}
			if strings.Contains(rec.Body.String(), " style=") || strings.Contains(rec.Body.String(), "<style") {
				t.Error("the page has inline style")
			}
		})
	}
	a, b := e.do(scenario{target: "/about"}), e.do(scenario{target: "/about"})
	if a.Header().Get("Content-Security-Policy") == b.Header().Get("Content-Security-Policy") {
		t.Error("two responses share a nonce")
	}
}

func TestHSTSOnlyOverTLS(t *testing.T) {
	plain := newEnv(t, nil)
	if h := plain.do(scenario{target: "/about"}).Header().Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS over plain HTTP: %q", h)
	}
	req := httptest.NewRequest(http.MethodGet, "/about", nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	plain.s.Handler().ServeHTTP(rec, req)
	if h := rec.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("no HSTS over TLS: %q", h)
	}
	https := newEnv(t, func(o *Options) { o.BaseURL = "https://sluis.example.org" })
	if h := https.do(scenario{target: "/about"}).Header().Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("no HSTS with an https base URL: %q", h)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	ck, token := e.csrf(t)
	good := url.Values{"csrf": {token}, "email": {"ann@example.org"}, "password": {"pa55-w0rd"}}
	noToken := url.Values{"email": {"ann@example.org"}, "password": {"pa55-w0rd"}}
	wrong := url.Values{"csrf": {strings.Repeat("A", len(token))}, "email": {"ann@example.org"}}
	forged := []string{"This form has expired"}
	// Past CSRF, the sign-in itself answers: nobody has this address.
	refused := []string{"The email address or password is not right.", `role="alert"`, `value="ann@example.org"`}
	for _, sc := range []scenario{
		{name: "no cookie, no token", form: noToken, status: http.StatusForbidden, contains: forged},
		{name: "cookie, no token", cookies: []*http.Cookie{ck}, form: noToken, status: http.StatusForbidden, contains: forged},
		{name: "cookie, wrong token", cookies: []*http.Cookie{ck}, form: wrong, status: http.StatusForbidden, contains: forged},
		{name: "token, no cookie", form: good, status: http.StatusForbidden, contains: forged},
		{name: "cross-site with the right token", cookies: []*http.Cookie{ck}, form: good,
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: http.StatusForbidden, contains: forged},
		{name: "forged, in Dutch", form: noToken, header: map[string]string{"Accept-Language": "nl"},
			status: http.StatusForbidden, contains: []string{"Dit formulier is verlopen"}},
		{name: "cookie and token", cookies: []*http.Cookie{ck}, form: good, status: http.StatusUnauthorized,
			contains: refused, absent: []string{"pa55-w0rd"}},
		{name: "same-origin with token", cookies: []*http.Cookie{ck}, form: good,
			header: map[string]string{"Sec-Fetch-Site": "same-origin"}, status: http.StatusUnauthorized, contains: refused},
		{name: "token in header", cookies: []*http.Cookie{ck}, form: noToken,
			header: map[string]string{"X-CSRF-Token": token}, status: http.StatusUnauthorized, contains: refused},
		{name: "refused in French", cookies: []*http.Cookie{ck}, form: good, header: map[string]string{"Accept-Language": "fr"},
			status: http.StatusUnauthorized, contains: []string{"L’adresse e-mail ou le mot de passe est incorrect."}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			sc.method, sc.target = http.MethodPost, "/signin"
			rec := e.check(t, sc)
			if sc.status == http.StatusUnauthorized && !strings.Contains(rec.Body.String(), `value="`+token+`"`) {
				t.Error("the re-rendered form lost its CSRF token")
			}
		})
	}
}

func TestCookieSecurity(t *testing.T) {
	for _, tt := range []struct {
		base, name string
		secure     bool
	}{
		{"http://localhost:8080", "csrf", false},
		{"http://127.0.0.1:8080", "csrf", false},
		{"https://sluis.example.org", "__Host-csrf", true},
		{"http://sluis.example.org", "__Host-csrf", true},
	} {
		t.Run(tt.base, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.BaseURL = tt.base })
			rec := e.do(scenario{target: "/signin?lang=nl"})
			for _, name := range []string{tt.name, "lang"} {
				c := cookie(rec, name)
				if c == nil {
					t.Fatalf("no %s cookie", name)
				}
				if c.Secure != tt.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
					t.Errorf("%s cookie: %+v", name, c)
				}
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	good := newEnv(t, nil).opt
	for name, edit := range map[string]func(*Options){
		"no base URL":       func(o *Options) { o.BaseURL = "" },
		"no scheme":         func(o *Options) { o.BaseURL = "localhost:8080" },
		"ftp":               func(o *Options) { o.BaseURL = "ftp://example.org" },
		"zero proxy prefix": func(o *Options) { o.TrustedProxies = []netip.Prefix{{}} },
	} {
		opt := good
		opt.Registry = nil // a private one
		edit(&opt)
		if _, err := New(opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestRequiredServices: every service the routes use is required, and
// New names the one that is missing.
func TestRequiredServices(t *testing.T) {
	good := newEnv(t, nil).opt
	for name, drop := range map[string]func(*Options){
		"Store":    func(o *Options) { o.Store = nil },
		"Verify":   func(o *Options) { o.Verify = nil },
		"Delivery": func(o *Options) { o.Delivery = nil },
		"Auth":     func(o *Options) { o.Auth = nil },
		"Policy":   func(o *Options) { o.Policy = nil },
		"Receipts": func(o *Options) { o.Receipts = nil },
	} {
		opt := good
		opt.Registry = nil // a private one
		drop(&opt)
		_, err := New(opt)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v", name, err)
		}
	}
	good.Registry = nil
	if _, err := New(good); err != nil {
		t.Errorf("with every service: %v", err)
	}
}
