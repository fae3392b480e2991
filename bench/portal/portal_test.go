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
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
func verifiedReader(b *testing.B) (string, *http.Client) { return verifiedReaderOf(b, htmlMail()) }

// verifiedReaderOf is verifiedReader for a mail of the caller's.
func verifiedReaderOf(b *testing.B, mail string) (string, *http.Client) {
	return verifiedReaderIn(b, testworld.New(b, nil, ""), mail)
}

// verifiedReaderIn is verifiedReaderOf in a world of the caller's (a
// seeded store, say).
func verifiedReaderIn(b *testing.B, w *testworld.World, mail string) (string, *http.Client) {
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
	// The intake's largest message, so that a 100 MB file fits.
	if err := pol.Set(context.Background(), w.Org.ID, w.Sender.UnitID, policy.MaxMessageSize, "200", "bench"); err != nil {
		b.Fatal(err)
	}
	_, rs := w.Submit(b, mail, "patient@example.com")
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
	start, cpu0 := time.Now(), cpuTime()
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
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-µs/round")
}

// cpuTime is the CPU time the process used so far, user and system: the
// client's share included, the same for every benchmark. On a shared,
// loaded machine it says more than requests per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// onEachStore runs fn for a verified reader of the 50 KB message on
// SQLite and, when SLUIS_TEST_POSTGRES names a server, on PostgreSQL: the
// same read, so operators see what several instances on one database cost.
func onEachStore(b *testing.B, fn func(b *testing.B, link string, c *http.Client)) {
	b.Run("sqlite", func(b *testing.B) {
		link, c := verifiedReaderIn(b, testworld.New(b, nil, ""), htmlMail())
		fn(b, link, c)
	})
	if os.Getenv("SLUIS_TEST_POSTGRES") == "" {
		return
	}
	b.Run("postgres", func(b *testing.B) {
		link, c := verifiedReaderIn(b, testworld.OnPostgres(b), htmlMail())
		fn(b, link, c)
	})
}

// BenchmarkRecipientBody50KB is the frame's request: the 50 KB body.
func BenchmarkRecipientBody50KB(b *testing.B) {
	onEachStore(b, func(b *testing.B, link string, c *http.Client) { load(b, c, pageSize, link+"/body") })
}

// BenchmarkRecipientPage is the page around the frame.
func BenchmarkRecipientPage(b *testing.B) {
	onEachStore(b, func(b *testing.B, link string, c *http.Client) { load(b, c, 1<<10, link+"/read") })
}

// BenchmarkRecipientRead50KB is a whole read: the page, then its body.
func BenchmarkRecipientRead50KB(b *testing.B) {
	onEachStore(b, func(b *testing.B, link string, c *http.Client) { load(b, c, pageSize, link+"/read", link+"/body") })
}

func BenchmarkEchoStatic50KB(b *testing.B) {
	page := []byte("<!DOCTYPE html><title>static</title>" + strings.Repeat("<p>Beste mevrouw Jansen, de uitslag.</p>\n", pageSize/40))
	e := echo.New()
	e.GET("/static", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, page) })
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	load(b, client(b), pageSize, srv.URL+"/static")
}

// bigMail is a short HTML mail with one attachment of size random bytes.
func bigMail(size int) string {
	var b strings.Builder
	b.Grow(size*4/3 + size/38 + 1024)
	b.WriteString("From: arts@zkh.example\nTo: patient@example.com\nSubject: Scan\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>De scan.</p>\n" +
		"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"scan.bin\"\n" +
		"Content-Transfer-Encoding: base64\n\n")
	chunk := make([]byte, 57*1024)
	for left := size; left > 0; left -= len(chunk) {
		part := chunk[:min(len(chunk), left)]
		_, _ = rand.Read(part)
		enc := base64.StdEncoding.EncodeToString(part)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\n")
	}
	b.WriteString("--b--\n")
	return b.String()
}

// BenchmarkAttachmentDownload100MB downloads a 100 MB attachment as a
// verified recipient: decrypted from the blob store and streamed. It
// reports MB/s and the peak of the heap above what it was before the
// download (sampled every millisecond).
func BenchmarkAttachmentDownload100MB(b *testing.B) {
	const size = 100 << 20
	link, c := verifiedReaderOf(b, bigMail(size))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Get(link + "/files/0")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || n != size {
			b.Fatalf("download: %d, %d bytes, %v", res.StatusCode, n, err)
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), before.HeapAlloc))/(1<<20), "peak-heap-MiB")
}

// BenchmarkStaticDownload100MB is the anchor for the download: Echo
// serving a plain 100 MB file from disk, the same client reading it.
func BenchmarkStaticDownload100MB(b *testing.B) {
	const size = 100 << 20
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "scan.bin"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	e.Static("/files", dir)
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	c := client(b)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Get(srv.URL + "/files/scan.bin")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || n != size {
			b.Fatalf("download: %d, %d bytes, %v", res.StatusCode, n, err)
		}
	}
}
