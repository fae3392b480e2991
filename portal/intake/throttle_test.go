package intake

import (
	"fmt"
	"net"
	"testing"
	"time"

	"sluis/db/dbtest"
)

// TestLimiter locks a key after maxFails failures within the window, only
// that key, for lockFor, and forgets failures spread wider than the window.
func TestLimiter(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	l := newAuthLimiter(clock.Now)
	for range maxFails - 1 {
		l.fail("addr:a@x.example", "net:192.0.2.1")
	}
	if l.locked("addr:a@x.example") {
		t.Fatal("locked before the 10th failure")
	}
	l.fail("addr:a@x.example", "net:192.0.2.2")
	if !l.locked("addr:a@x.example") || l.locked("addr:b@x.example", "net:192.0.2.2") {
		t.Fatal("want only a@x.example locked")
	}
	clock.Advance(lockFor)
	if l.locked("addr:a@x.example") {
		t.Fatal("still locked after lockFor")
	}

	// Failures further apart than the window never add up to a lock.
	for range 3 * maxFails {
		l.fail("addr:slow@x.example")
		clock.Advance(window / (maxFails - 1))
	}
	if l.locked("addr:slow@x.example") {
		t.Error("failures spread over more than the window locked the address")
	}

	// A correct password clears the address's count.
	for range maxFails - 1 {
		l.fail("addr:c@x.example")
	}
	l.succeed("addr:c@x.example")
	l.fail("addr:c@x.example")
	if l.locked("addr:c@x.example") {
		t.Error("success did not clear the count")
	}
}

// TestLimiterBounded keeps at most maxTracked keys however many are tried,
// so that a flood of made-up addresses cannot exhaust memory.
func TestLimiterBounded(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	l := newAuthLimiter(clock.Now)
	for i := range maxTracked + 50 {
		l.fail(fmt.Sprintf("addr:u%d@x.example", i))
	}
	if n := len(l.keys); n > maxTracked {
		t.Errorf("%d keys kept", n)
	}
}

// TestNetworkKey groups IPv6 clients by /64.
func TestNetworkKey(t *testing.T) {
	a := networkKey(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2::1")})
	b := networkKey(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:ffff::9")})
	c := networkKey(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:3::1")})
	v4 := networkKey(&net.TCPAddr{IP: net.ParseIP("192.0.2.7")})
	if a != b || a == c || v4 != "net:192.0.2.7" {
		t.Errorf("keys %q %q %q %q", a, b, c, v4)
	}
	if addressKey(" Alice@EXAMPLE.com ") != "addr:Alice@example.com" {
		t.Errorf("address key %q", addressKey(" Alice@EXAMPLE.com "))
	}
}
