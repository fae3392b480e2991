package portal

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestIPExtractor(t *testing.T) {
	lan := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     string
		want    string
	}{
		{"no proxies: header ignored", nil, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"no proxies: loopback peer, header ignored", nil, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"trusted proxy", lan, "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"chain of trusted proxies", lan, "10.1.2.3:5000", "198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"client-written entry left of the real one", lan, "10.1.2.3:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"untrusted peer", lan, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"loopback not trusted by default", lan, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"private network not trusted by default", lan, "192.168.1.5:5000", "198.51.100.1", "192.168.1.5"},
		{"IPv4-mapped prefix", []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}, "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"IPv6 proxy", []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}, "[2001:db8::1]:443", "2001:db8:ffff::1, 198.51.100.1", "198.51.100.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			extract, err := ipExtractor(tt.trusted, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			req.Header.Set("X-Forwarded-For", tt.xff)
			if got := extract(req); got != tt.want {
				t.Errorf("client IP %q, want %q", got, tt.want)
			}
		})
	}
}

// TestServerUsesItsExtractor checks the wiring: the request log shows the
// peer, not a forged X-Forwarded-For.
func TestServerUsesItsExtractor(t *testing.T) {
	e := newEnv(t, nil)
	e.check(t, scenario{target: "/about", header: map[string]string{"X-Forwarded-For": "198.51.100.99"}, status: http.StatusOK})
	if logs := e.logs.String(); strings.Contains(logs, "198.51.100.99") || !strings.Contains(logs, "ip=192.0.2.1") {
		t.Errorf("the log does not show the peer address:\n%s", logs)
	}
}

// TestForwardedWithoutProxiesWarnsOnce: X-Forwarded-For without trusted
// proxies is logged once as a warning to set --trusted-proxies.
func TestForwardedWithoutProxiesWarnsOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.check(t, scenario{target: "/about", status: http.StatusOK})
	if strings.Contains(e.logs.String(), "trusted-proxies") {
		t.Fatal("warned without X-Forwarded-For")
	}
	for range 3 {
		e.check(t, scenario{target: "/about", header: map[string]string{"X-Forwarded-For": "198.51.100.99"}, status: http.StatusOK})
	}
	if n := strings.Count(e.logs.String(), "set --trusted-proxies"); n != 1 {
		t.Errorf("%d warnings, want one:\n%s", n, e.logs.String())
	}
	withProxies := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	withProxies.check(t, scenario{target: "/about", header: map[string]string{"X-Forwarded-For": "198.51.100.99"}, status: http.StatusOK})
	if strings.Contains(withProxies.logs.String(), "set --trusted-proxies") {
		t.Error("warned although proxies are trusted")
	}
}
