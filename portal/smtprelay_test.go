package portal

import (
	"testing"
	"time"

	"sluis/internal/testworld"
	"sluis/portal/mailer"
)

// mailRelay is testworld's real SMTP relay on a loopback port, standing
// in for the organisation's relay, with the names this package's tests use.
type mailRelay struct{ *testworld.Relay }

// relayedMail is one message the relay accepted.
type relayedMail = testworld.RelayedMail

func startMailRelay(t *testing.T) *mailRelay { return &mailRelay{testworld.StartRelay(t)} }

// sender is a mailer.Relay that delivers to r.
func (r *mailRelay) sender(from string) *mailer.Relay { return r.Sender(from) }

// waitFor returns the first message to addr whose kind header is kind,
// failing the test when none arrives within timeout.
func (r *mailRelay) waitFor(t *testing.T, addr, kind string, timeout time.Duration) relayedMail {
	t.Helper()
	return r.WaitFor(t, addr, kind, timeout)
}

// waitCount waits until n messages to addr of kind have arrived, failing
// the test when they do not within timeout.
func (r *mailRelay) waitCount(t *testing.T, addr, kind string, n int, timeout time.Duration) {
	t.Helper()
	r.WaitCount(t, addr, kind, n, timeout)
}
