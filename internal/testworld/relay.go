package testworld

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

// Relay is a real SMTP server on a loopback port standing in for the
// organisation's relay: it keeps every message it accepts, so that a test
// reads a mailed code as a person would.
type Relay struct {
	srv  *smtp.Server
	Port int
	mu   sync.Mutex
	got  []RelayedMail
	tick chan struct{} // one per message, for the waits
}

// RelayedMail is one message the relay accepted.
type RelayedMail struct {
	From string
	To   []string
	Data string
}

// StartRelay starts a Relay, stopped when the test ends.
func StartRelay(t testing.TB) *Relay {
	t.Helper()
	r := &Relay{tick: make(chan struct{}, 1000)}
	r.srv = smtp.NewServer(r)
	r.srv.Domain = "relay.test"
	r.srv.ReadTimeout, r.srv.WriteTimeout = 10*time.Second, 10*time.Second
	r.srv.MaxMessageBytes, r.srv.MaxRecipients = 1<<20, 50
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

// Sender is a mailer.Relay that delivers to r from the envelope sender from.
func (r *Relay) Sender(from string) *mailer.Relay {
	return mailer.NewRelay(mailer.RelayConfig{Host: "127.0.0.1", Port: r.Port, Timeout: 10 * time.Second}, from)
}

// Mails returns the messages to addr whose X-Sluis-Kind is kind, oldest first.
func (r *Relay) Mails(addr, kind string) []RelayedMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []RelayedMail
	for _, m := range r.got {
		if slices.Contains(m.To, addr) && strings.Contains(m.Data, "X-Sluis-Kind: "+kind+"\r\n") {
			out = append(out, m)
		}
	}
	return out
}

// All returns every message to addr, oldest first.
func (r *Relay) All(addr string) []RelayedMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []RelayedMail
	for _, m := range r.got {
		if slices.Contains(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// Count is how many messages the relay accepted in all.
func (r *Relay) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// WaitFor returns the first message to addr of kind, failing the test
// when none arrives within timeout.
func (r *Relay) WaitFor(t testing.TB, addr, kind string, timeout time.Duration) RelayedMail {
	t.Helper()
	r.WaitCount(t, addr, kind, 1, timeout)
	return r.Mails(addr, kind)[0]
}

// WaitCount waits until n messages to addr of kind have arrived, failing
// the test when they do not within timeout.
func (r *Relay) WaitCount(t testing.TB, addr, kind string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for len(r.Mails(addr, kind)) < n {
		select {
		case <-r.tick:
		case <-deadline:
			t.Fatalf("%d of %d %s mails to %s reached the relay in %s (it has %d messages)",
				len(r.Mails(addr, kind)), n, kind, addr, timeout, r.Count())
		}
	}
}

// LastCode returns the six-digit code in the latest mail of kind ("code"
// for a recipient's, "channel-code" for a writer's) to addr, or "".
func (r *Relay) LastCode(addr, kind string) string {
	ms := r.Mails(addr, kind)
	if len(ms) == 0 {
		return ""
	}
	return sixDigits.FindString(ms[len(ms)-1].Data[strings.Index(ms[len(ms)-1].Data, "\r\n\r\n"):])
}

// NewSession starts one SMTP conversation.
func (r *Relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r    *Relay
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
	s.r.got = append(s.r.got, RelayedMail{From: s.from, To: s.to, Data: string(b)})
	s.r.mu.Unlock()
	select {
	case s.r.tick <- struct{}{}:
	default: // nobody waits and the buffer is full: the waits look again anyway
	}
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }
