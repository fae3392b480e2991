package main

import (
	"regexp"
	"testing"
	"time"
)

// TestShutdownEndsRelaySessions: the session kept open to the relay after
// a notification is ended when serve shuts down, not left until the
// relay or the idle timer drops it.
func TestShutdownEndsRelaySessions(t *testing.T) {
	relay := startRelay(t, "")
	in := startInstance(t, relay)
	msg := "From: arts@zkh.test\r\nTo: patient@example.com\r\nSubject: Uitslag\r\n\r\nDe uitslag.\r\n"
	if err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg); err != nil {
		t.Fatalf("submit: %v\n%s", err, in.stderr.String())
	}
	relay.wait(t, 1, 30*time.Second)
	store := openData(t, in.data)
	allDone := regexp.MustCompile(`^\d+ completed$`) // the send is over: its session is back in the pool
	for deadline := time.Now().Add(30 * time.Second); !allDone.MatchString(jobStates(t, store)); {
		if time.Now().After(deadline) {
			t.Fatalf("notification jobs: %s", jobStates(t, store))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := relay.open.Load(); n != 1 {
		t.Fatalf("%d sessions open to the relay after one send, want the pool's one", n)
	}
	in.stop()
	for deadline := time.Now().Add(5 * time.Second); relay.open.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := relay.open.Load(); n != 0 {
		t.Errorf("%d sessions still open to the relay 5 s after shutdown, want none", n)
	}
}
