package portal

import (
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/portal/mailer"
)

// mailRelay is a real SMTP server on a loopback port, standing in for the
// organisation's relay: it keeps every message it accepts.
type mailRelay struct {
	srv  *smtp.Server
	port int
	mu   sync.Mutex
	got  []relayedMail
	ch   chan struct{} // a tick per message
}

// relayedMail is one message the relay accepted.
type relayedMail struct {
	From string
	To   []string
	Data string
}

func startMailRelay(t *testing.T) *mailRelay {
	t.Helper()
	r := &mailRelay{ch: make(chan struct{}, 1000)}
	r.srv = smtp.NewServer(r)
	r.srv.Domain = "relay.test"
	r.srv.ReadTimeout, r.srv.WriteTimeout = 10*time.Second, 10*time.Second
	r.srv.MaxMessageBytes, r.srv.MaxRecipients = 1<<20, 50
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

// sender is a mailer.Relay that delivers to r.
func (r *mailRelay) sender(from string) *mailer.Relay {
	return mailer.NewRelay(mailer.RelayConfig{Host: "127.0.0.1", Port: r.port, Timeout: 10 * time.Second}, from)
}

// NewSession starts one SMTP conversation.
func (r *mailRelay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

// waitFor returns the first message to addr whose kind header is kind,
// failing the test when none arrives within timeout.
func (r *mailRelay) waitFor(t *testing.T, addr, kind string, timeout time.Duration) relayedMail {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m, ok := r.find(addr, kind); ok {
			return m
		}
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("no %s mail to %s reached the relay in %s (it has %d messages)", kind, addr, timeout, r.count())
		}
	}
}

func (r *mailRelay) find(addr, kind string) (relayedMail, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.got {
		if slices.Contains(m.To, addr) && strings.Contains(m.Data, "X-Sluis-Kind: "+kind+"\r\n") {
			return m, true
		}
	}
	return relayedMail{}, false
}

// waitCount waits until n messages to addr of kind have arrived, failing
// the test when they do not within timeout.
func (r *mailRelay) waitCount(t *testing.T, addr, kind string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for r.countTo(addr, kind) < n {
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("%d of %d %s mails to %s reached the relay in %s", r.countTo(addr, kind), n, kind, addr, timeout)
		}
	}
}

// countTo counts the messages to addr whose kind header is kind.
func (r *mailRelay) countTo(addr, kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.got {
		if slices.Contains(m.To, addr) && strings.Contains(m.Data, "X-Sluis-Kind: "+kind+"\r\n") {
			n++
		}
	}
	return n
}

func (r *mailRelay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

type relaySession struct {
	r    *mailRelay
	from string
	to   []string
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.got = append(s.r.got, relayedMail{From: s.from, To: s.to, Data: string(b)})
	s.r.mu.Unlock()
	s.r.ch <- struct{}{}
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }
