package portal

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluis/internal/testworld"
)

// BenchmarkLandingDevice measures what remembering devices costs the
// landing page, side by side in one run: a visitor without a device
// cookie (the policy is read to offer the box), and one whose browser
// holds a live device (the device, the policy and the lock are read).
//
//	go test -run '^$' -bench LandingDevice -count 5 ./portal
func BenchmarkLandingDevice(b *testing.B) {
	w := testworld.New(b, nil, "")
	opt := Options{Logger: slog.New(slog.DiscardHandler), BaseURL: "http://localhost:8080", Registry: prometheus.NewRegistry()}
	worldSetup{}.options(b, w, &opt)
	s, err := New(opt)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	w.AddPhone(b, "patient@example.com", "+31612345678")
	_, first := w.Submit(b, "From: arts@zkh.example\nTo: patient@example.com\nSubject: Uitslag\n\nBeste,\n", "patient@example.com")
	_, next := w.Submit(b, "From: arts@zkh.example\nTo: patient@example.com\nSubject: Uitslag 2\n\nBeste,\n", "patient@example.com")
	remembered := benchClient(b)
	link := srv.URL + w.Path(first[0])
	csrf := benchCSRF(b, remembered, link)
	benchPost(b, remembered, link+"/code", url.Values{"csrf": {csrf}})
	benchPost(b, remembered, link+"/check", url.Values{"csrf": {csrf}, "code": {w.Texts.LastCode("+31612345678")}, "remember": {"1"}})
	target := srv.URL + w.Path(next[0])
	b.Run("no device", func(b *testing.B) { benchGet(b, benchClient(b), target, `id="send"`) })
	b.Run("remembered device", func(b *testing.B) { benchGet(b, remembered, target, `id="open-device"`) })
}

func benchClient(b *testing.B) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func benchCSRF(b *testing.B, c *http.Client, u string) string {
	res, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		b.Fatalf("no form at %s", u)
	}
	return string(m[1])
}

func benchPost(b *testing.B, c *http.Client, u string, form url.Values) {
	res, err := c.PostForm(u, form)
	if err != nil {
		b.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("POST %s: %d", u, res.StatusCode)
	}
}

// benchGet fetches u b.N times, checks the page shows want, and reports
// the median latency.
func benchGet(b *testing.B, c *http.Client, u, want string) {
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t := time.Now()
		res, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			b.Fatalf("GET: %d, page lacks %s", res.StatusCode, want)
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}
