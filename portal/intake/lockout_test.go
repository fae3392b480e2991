package intake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/auth"
)

// Client networks on loopback: the limiter keys IPv4 clients by /24.
const (
	netA = "127.0.0.1" // where the failures come from
	netB = "127.0.1.1" // the owner's network, without failures
	netC = "127.0.2.1"
)

var wrong = "Wr0ng-pass"

// eachWorld runs fn on a world in SQLite and one in PostgreSQL.
func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	clock := newClock()
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		fn(t, newWorld(t, s, clock))
	})
}

// authFrom signs in as addr from the local address ip, on a connection of
// its own, and returns the server's verdict.
func (e *env) authFrom(t *testing.T, ip, addr, pass string) error {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", e.addr)
	must(t, err)
	c := smtp.NewClient(conn)
	defer c.Close()
	must(t, c.Hello("client.test"))
	return c.Auth(saslPlain(addr, pass))
}

func wantLocked(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, 454, smtp.EnhancedCode{4, 7, 0})
}

func wantWrong(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, 535, smtp.EnhancedCode{5, 7, 8})
}

// TestLockout locks an address after 5 failures within 15 minutes, known
// or not, for the client network they came from: even the right password
// waits out the lock, which lifts after a second, then doubles.
func TestLockout(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		e := startEnv(t, w, nil, nil)
		for _, addr := range []string{alice, "nobody@example.com"} {
			for range 5 {
				wantWrong(t, e.authFrom(t, netA, addr, wrong))
			}
			wantLocked(t, e.authFrom(t, netA, addr, password))
		}
		e.clock.Advance(time.Second)
		must(t, e.authFrom(t, netA, alice, password))
		if got := e.slept.String(); got != "" {
			t.Errorf("delays %q: an address that was not locked was slowed", got)
		}
	})
}

// TestLockoutSharedWithWeb counts failures at SMTP towards the web's
// lockout of the same address, and the other way round: one check, one
// set of counters.
func TestLockoutSharedWithWeb(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		e := startEnv(t, w, nil, nil)
		ctx := context.Background()
		web := func(addr, pass string) error {
			_, err := e.auth.SignInPassword(ctx, addr, pass, netA, "")
			return err
		}
		var throttled *auth.ThrottledError

		for range 3 {
			wantWrong(t, e.authFrom(t, netA, alice, wrong))
		}
		for range 2 {
			if err := web(alice, wrong); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("web sign-in with a wrong password: %v", err)
			}
		}
		if err := web(alice, password); !errors.As(err, &throttled) {
			t.Errorf("web sign-in after 3 SMTP and 2 web failures: %v, want locked", err)
		}
		wantLocked(t, e.authFrom(t, netA, alice, password))

		const other = "nobody@example.com"
		for range 3 {
			if err := web(other, wrong); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("web sign-in as an unknown address: %v", err)
			}
		}
		for range 2 {
			wantWrong(t, e.authFrom(t, netA, other, wrong))
		}
		wantLocked(t, e.authFrom(t, netA, other, password))
	})
}

// TestLockoutAcrossInstances: twelve failed AUTHs for one address, six at
// each of two intake servers on one PostgreSQL database, lock it at both
// from the fifth on, as they would at one.
func TestLockoutAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	for i := range 12 {
		e := []*env{a, b}[i%2]
		err := e.authFrom(t, netA, alice, wrong)
		if i < 5 {
			wantWrong(t, err)
		} else {
			wantLocked(t, err)
		}
	}
	wantLocked(t, a.authFrom(t, netA, alice, password))
	wantLocked(t, b.authFrom(t, netA, alice, password))
}

// TestLockoutBurst sends twenty wrong AUTHs for one address at once, half
// to each of two instances: at most five passwords are checked, because
// checks in progress are held in the database and no more may run than
// failures may still come before the lock.
func TestLockoutBurst(t *testing.T) {
	a, b := twoInstances(t)
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 20 {
		e := []*env{a, b}[i%2]
		wg.Go(func() {
			err := e.authFrom(t, netA, alice, wrong)
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				t.Errorf("attempt %d: %v", i, err)
				return
			}
			mu.Lock()
			codes[se.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[535] > 5 || codes[535]+codes[454] != 20 {
		t.Errorf("replies %v: want at most 5 passwords checked, the others refused with 454", codes)
	}
}

// twoInstances starts two intake servers, each with its own store and
// sign-in service, on one PostgreSQL database.
func twoInstances(t *testing.T) (*env, *env) {
	t.Helper()
	clock := newClock()
	dsn := dbtest.PostgresDSN(t)
	open := func() *db.Store {
		s, err := db.Open(context.Background(), dsn, db.Options{Now: clock.Now})
		must(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	first := open()
	_, err := first.Migrate(context.Background())
	must(t, err)
	w := newWorld(t, first, clock)
	return startEnv(t, w, nil, nil), startEnv(t, &world{store: open(), clock: clock, user: w.user}, nil, nil)
}

// TestOwnerPassesLockedAddress lets the right password through, slowly,
// from a client network that has not failed, while failures from another
// network keep the address locked for that one; a wrong password from a
// fresh network still counts, and that network is then refused too.
func TestOwnerPassesLockedAddress(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		e := startEnv(t, w, nil, nil)
		for range 5 {
			wantWrong(t, e.authFrom(t, netA, alice, wrong))
		}
		wantLocked(t, e.authFrom(t, netA, alice, password))
		must(t, e.authFrom(t, netB, alice, password))
		if got := e.slept.String(); got != "2s" {
			t.Errorf("delays %q, want the owner's sign-in slowed by 2s", got)
		}
		wantLocked(t, e.authFrom(t, netA, alice, password)) // still locked for the failing network

		wantWrong(t, e.authFrom(t, netC, alice, wrong)) // checked, and counted
		wantLocked(t, e.authFrom(t, netC, alice, password))
		must(t, e.authFrom(t, netB, alice, password)) // the owner's network has not failed
	})
}

// TestSprayingNetworkLocked locks a client network that fails 50 times
// within 15 minutes, each time for another address, for every address,
// the right password included; other networks are not affected.
func TestSprayingNetworkLocked(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		e := startEnv(t, w, nil, nil)
		for i := range 50 {
			wantWrong(t, e.authFrom(t, netA, fmt.Sprintf("user%d@example.com", i), wrong))
		}
		wantLocked(t, e.authFrom(t, netA, alice, password))
		must(t, e.authFrom(t, netB, alice, password))
	})
}

// TestBurstOfRightAuths opens twelve connections at once that all AUTH
// with the right password, as a mail client or smart host does: all are
// accepted, and none counts as a failure, so five wrong passwords after
// them are still checked before the lock.
func TestBurstOfRightAuths(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		e := startEnv(t, w, nil, nil)
		burstOfRightAuths(t, e, e)
	})
}

// TestBurstOfRightAuthsAcrossInstances does the same, half of the
// connections at each of two instances on one PostgreSQL database.
func TestBurstOfRightAuthsAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	burstOfRightAuths(t, a, b)
}

func burstOfRightAuths(t *testing.T, a, b *env) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range 12 {
		e := []*env{a, b}[i%2]
		wg.Go(func() {
			if err := e.authFrom(t, netA, alice, password); err != nil {
				t.Errorf("right password, connection %d of 12 at once: %v", i, err)
			}
		})
	}
	wg.Wait()
	for range 5 {
		wantWrong(t, a.authFrom(t, netA, alice, wrong))
	}
	wantLocked(t, b.authFrom(t, netA, alice, password))
}
