package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// BenchmarkIntake50KB drives 50 KB messages to three external recipients
// with address-book data over 8 SMTP connections into an in-process
// `sluis serve`, as bench/intake does with the binary, so that a CPU
// profile can be taken:
//
//	go test -run '^$' -bench Intake50KB -benchtime 3000x -cpuprofile cpu.out ./cmd/sluis
//
// The profile includes the in-test SMTP clients and relay (small next to
// Sluis). Notifications are sent while the load runs, as in production.
func BenchmarkIntake50KB(b *testing.B) {
	relay := newCountingRelay(b)
	smtpAddr := startBenchInstance(b, relay.addr)
	body := benchBody(50 << 10)
	rcpts := []string{"alice@example.com", "bob@example.org", "carla@example.net"}
	var seq, failed atomic.Int64
	b.SetBytes(int64(len(body)))
	// Signed in one after the other: Sluis's sign-in limiter counts an
	// attempt as a failure until the password is checked, so eight at once
	// can lock the account out.
	clients := make([]*smtp.Client, 8)
	for i := range clients {
		c, err := benchDial(smtpAddr)
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			defer c.Close()
			for seq.Add(1) <= int64(b.N) {
				msg := fmt.Sprintf("From: arts@zkh.test\r\nTo: %s\r\nSubject: Uitslag\r\nMessage-ID: <%d.bench@zkh.test>\r\n"+
					"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s", strings.Join(rcpts, ", "), seq.Load(), body)
				if err := c.SendMail("arts@zkh.test", rcpts, strings.NewReader(msg)); err != nil {
					failed.Add(1)
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d messages failed", failed.Load())
	}
}

// startBenchInstance runs `sluis serve` in this process with an
// organisation, a sender and three address-book entries.
func startBenchInstance(b *testing.B, relay string) string {
	b.Helper()
	data := b.TempDir()
	environ := map[string]string{"SLUIS_DATA": data}
	book := filepath.Join(data, "book.csv")
	csv := "email_address,full_name,phone_number\nalice@example.com,A,+31612345671\nbob@example.org,B,+31612345672\ncarla@example.net,C,+31612345673\n"
	steps := [][]string{{"migrate"}, {"org", "create", "--name", "Bench", "--domain", "zkh.test"},
		{"user", "add", "--email", "arts@zkh.test", "--language", "en", "--password", e2ePassword},
		{"contacts", "import", "--org", "zkh.test", book}}
	for i, args := range steps {
		if i == len(steps)-1 {
			writeFileB(b, book, csv)
		}
		var errb bytes.Buffer
		if code := run(context.Background(), args, env2(environ, &errb)); code != 0 {
			b.Fatalf("sluis %v: %s", args, errb.String())
		}
	}
	httpAddr, smtpAddr := "127.0.0.1:"+freePortB(b), "127.0.0.1:"+freePortB(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs lockedBuffer
	args := []string{"serve", "--http", httpAddr, "--smtp", smtpAddr, "--relay", "smtp://" + relay,
		"--base-url", "http://" + httpAddr, "--mail-from", "sluis@zkh.test", "--log-level", "warn"}
	e := env{stdin: strings.NewReader(""), stdout: &logs, stderr: &logs, getenv: func(k string) string { return environ[k] }}
	go func() { done <- run(ctx, args, e) }()
	b.Cleanup(func() { cancel(); <-done })
	for range 200 {
		if resp, err := http.Get("http://" + httpAddr + "/readyz"); err == nil {
			_ = resp.Body.Close()
			return smtpAddr
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("serve did not come up:\n%s", logs.String())
	return ""
}

func benchDial(addr string) (*smtp.Client, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Hello("client.test"); err != nil {
		return nil, err
	}
	return c, c.Auth(sasl.NewPlainClient("", "arts@zkh.test", e2ePassword))
}

// benchBody is about n bytes of plain text in lines of 72 characters.
func benchBody(n int) string {
	line := "De uitslag van uw onderzoek is binnen; neem contact op voor een afspraak.\r\n"
	return strings.Repeat(line, n/len(line))
}

// lockedBuffer is a bytes.Buffer safe for the logger and the benchmark.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// countingRelay is a relay that counts and discards the notifications.
type countingRelay struct {
	addr string
	n    atomic.Int64
}

func newCountingRelay(b *testing.B) *countingRelay {
	b.Helper()
	r := &countingRelay{}
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *countingRelay) NewSession(*smtp.Conn) (smtp.Session, error) { return countingSession{r}, nil }

type countingSession struct{ r *countingRelay }

func (countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (countingSession) Reset()                               {}
func (countingSession) Logout() error                        { return nil }
func (s countingSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	s.r.n.Add(1)
	return err
}

func freePortB(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

func writeFileB(b *testing.B, name, content string) {
	b.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
}
