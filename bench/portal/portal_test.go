// Package portal benchmarks the recipient portal: a verified recipient
// opening a 50 KB message beside Echo serving a static page of the same
// size on the same machine, in one run:
//
//	go test -run '^$' -bench . -benchtime 3s ./bench/portal
//
// A message's HTML body is shown in a frame of its own, so a read is two
// requests: the page (session lookup, store reads, the first view's
// bookkeeping, rendering) and the body (session lookup, store reads, the
// kept sanitized body decrypted and streamed). Both are measured, apart
// and one after the other as a reader's browser asks for them. Each
// benchmark reports requests per second and the median latency; the
// download benchmark reports MB/s and the peak heap.
//
// See docs/bench-portal.md for the figures and what bounds them.
package portal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/internal/testworld"
	"sluis/portal"
	"sluis/portal/auth"
	"sluis/portal/delivery"
	"sluis/portal/policy"
	"sluis/portal/receipts"
	"sluis/portal/verify"
)

const pageSize = 50 << 10

// htmlMail is a 50 KB HTML mail: paragraphs with some markup and links.
func htmlMail() string {
	var b strings.Builder
	b.WriteString("From: arts@zkh.example\nTo: patient@example.com\nSubject: Uitslag\nMIME-Version: 1.0\n" +
		"Content-Type: text/html; charset=utf-8\n\n")
	for b.Len() < pageSize {
		b.WriteString(`<p>Beste mevrouw Jansen, hierbij <b>de uitslag</b> van uw onderzoek. Zie ook ` +
			`<a href="https://zkh.example/info">onze website</a> voor meer informatie.</p>` + "\n")
	}
	return b.String()
}

// client is a keep-alive client with a cookie jar, as a browser is.
func client(b *testing.B) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// verifiedReader builds the portal with one message, verifies its
// recipient by SMS and returns the message URL and the client holding the
// session.
func verifiedReader(b *testing.B) (string, *http.Client) {
	w := testworld.New(b, nil, "")
	quiet := slog.New(slog.DiscardHandler)
	pol := policy.New(w.Store)
	rcpt := receipts.New(receipts.Options{Store: w.Store, Policy: pol, Jobs: w.Jobs, Mailer: &testworld.Mails{}, Vault: w.Vault,
		Text: w.Text, MailFrom: "sluis@zkh.example", BaseURL: testworld.BaseURL, Now: w.Clock.Now, Logger: quiet})
	w.Delivery = delivery.New(delivery.Options{Store: w.Store, Vault: w.Vault, Keys: w.Keys, Jobs: w.Jobs, Text: w.Text,
		BaseURL: testworld.BaseURL, MailFrom: "sluis@zkh.example", Now: w.Clock.Now, Mailer: &testworld.Mails{},
		Policy: pol, Receipts: rcpt, Logger: quiet})
	b.Cleanup(w.Delivery.Close)
	v, err := verify.New(verify.Options{Store: w.Store, SMS: w.Texts, CodeKey: w.CodeKey(), Notifier: w.Delivery,
		Text: w.Text, Logger: quiet, Now: w.Clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	a, err := auth.New(auth.Options{Store: w.Store, Vault: w.Vault, Policy: pol, Logger: quiet, Now: w.Clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	s, err := portal.New(portal.Options{BaseURL: testworld.BaseURL, Store: w.Store, Verify: v, Delivery: w.Delivery,
		Auth: a, Policy: pol, Receipts: rcpt, Now: w.Clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	w.AddPhone(b, "patient@example.com", "+31612345678")
	_, rs := w.Submit(b, htmlMail(), "patient@example.com")
	link := srv.URL + w.Path(rs[0])
	c := client(b)
	csrf := csrfOf(b, c, link)
	post(b, c, link+"/code", url.Values{"csrf": {csrf}})
	post(b, c, link+"/check", url.Values{"csrf": {csrf}, "code": {w.Texts.LastCode(rs[0].Phone)}})
	return link, c
}

func csrfOf(b *testing.B, c *http.Client, u string) string {
	res, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		b.Fatalf("no form at %s", u)
	}
	return string(m[1])
}

func post(b *testing.B, c *http.Client, u string, form url.Values) {
	res, err := c.PostForm(u, form)
	if err != nil {
		b.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("POST %s: %d", u, res.StatusCode)
	}
}

// load fetches each of urls in turn from parallel goroutines and reports
// rounds per second and the median latency of a round. Every answer must
// be 200 and the last at least least bytes long.
func load(b *testing.B, c *http.Client, least int64, urls ...string) {
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		mine := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t := time.Now()
			for i, u := range urls {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
				res, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if res.StatusCode != http.StatusOK || (i == len(urls)-1 && n < least) {
					b.Errorf("GET %s: %d, %d bytes", u, res.StatusCode, n)
					return
				}
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}

// BenchmarkRecipientBody50KB is the frame's request: the 50 KB body.
func BenchmarkRecipientBody50KB(b *testing.B) {
	link, c := verifiedReader(b)
	load(b, c, pageSize, link+"/body")
}

// BenchmarkRecipientPage is the page around the frame.
func BenchmarkRecipientPage(b *testing.B) {
	link, c := verifiedReader(b)
	load(b, c, 1<<10, link+"/read")
}

// BenchmarkRecipientRead50KB is a whole read: the page, then its body.
func BenchmarkRecipientRead50KB(b *testing.B) {
	link, c := verifiedReader(b)
	load(b, c, pageSize, link+"/read", link+"/body")
}

func BenchmarkEchoStatic50KB(b *testing.B) {
	page := []byte("<!DOCTYPE html><title>static</title>" + strings.Repeat("<p>Beste mevrouw Jansen, de uitslag.</p>\n", pageSize/40))
	e := echo.New()
	e.GET("/static", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, page) })
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	load(b, client(b), pageSize, srv.URL+"/static")
}
