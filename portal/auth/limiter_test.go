package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/policy"
	"sluis/portal/secret"
	"sluis/portal/vault"
)

const (
	jan      = "jan@voorbeeld.test"
	janPass  = "correct horse battery"
	badPass  = "not the password"
	netOne   = "192.0.2.10"    // where failures come from
	netTwo   = "198.51.100.20" // the owner's, without failures
	netThree = "203.0.113.30"
)

// cheap keeps argon2id fast in tests; Verify reads the cost from the hash.
var cheap = secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}

// limits is a Service on a real store with one user, jan, a settable
// clock and the delays it asked for.
type limits struct {
	svc   *Service
	store *db.Store
	clock *dbtest.Clock
	user  db.User

	mu    sync.Mutex
	slept []time.Duration
}

func eachLimits(t *testing.T, fn func(t *testing.T, l *limits)) {
	clock := dbtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		fn(t, newLimits(t, s, clock))
	})
}

func newLimits(t *testing.T, s *db.Store, clock *dbtest.Clock) *limits {
	t.Helper()
	ctx := context.Background()
	org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Voorbeeld", Domains: []string{"voorbeeld.test"}})
	must(t, err)
	hash, err := secret.HashWith(cheap, janPass)
	must(t, err)
	u, err := s.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: jan, Role: db.RoleSender, PasswordHash: hash})
	must(t, err)
	keys, err := vault.LoadOrCreateKey(t.TempDir(), "")
	must(t, err)
	blobs, err := vault.NewFS(t.TempDir())
	must(t, err)
	l := &limits{store: s, clock: clock, user: u}
	l.svc, err = New(Options{Store: s, Vault: vault.New(keys, blobs), Policy: policy.New(s), Now: clock.Now, Hash: cheap,
		Logger: slog.New(slog.DiscardHandler), Sleep: func(_ context.Context, d time.Duration) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.slept = append(l.slept, d)
			return nil
		}})
	must(t, err)
	return l
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// try signs in as addr from ip and names the outcome.
func (l *limits) try(addr, pass, ip string) string {
	_, err := l.svc.CheckPassword(context.Background(), addr, pass, ip)
	return outcome(err)
}

// outcome names an attempt's result.
func outcome(err error) string {
	var te *ThrottledError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &te):
		return "locked"
	case errors.Is(err, ErrBadCredentials):
		return "wrong"
	}
	return err.Error()
}

func (l *limits) want(t *testing.T, what, addr, pass, ip, want string) {
	t.Helper()
	if got := l.try(addr, pass, ip); got != want {
		t.Errorf("%s: %s, want %s", what, got, want)
	}
}

func (l *limits) delays() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.slept...)
}

// TestAddressLock locks a typed address after 5 failures for a second,
// then two, four… and forgets failures spread wider than the window.
func TestAddressLock(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		for range 5 {
			l.want(t, "wrong password", jan, badPass, netOne, "wrong")
		}
		l.want(t, "right password while locked", jan, janPass, netOne, "locked")
		l.want(t, "other address", "piet@voorbeeld.test", badPass, netOne, "wrong")
		l.clock.Advance(time.Second)
		l.want(t, "sixth failure, once the lock lapsed", jan, badPass, netOne, "wrong")
		l.clock.Advance(time.Second)
		l.want(t, "right password, 1 s into a 2 s lock", jan, janPass, netOne, "locked")
		l.clock.Advance(time.Second)
		l.want(t, "right password once it lapsed", jan, janPass, netOne, "ok")

		for range 12 { // one every 4 minutes: never 5 within 15 minutes
			l.want(t, "slow failures", jan, badPass, netOne, "wrong")
			l.clock.Advance(4 * time.Minute)
		}
		if d := l.delays(); len(d) != 0 {
			t.Errorf("delays %v without a locked address", d)
		}
	})
}

// TestOwnerThroughLock lets the right password through a locked address,
// after a delay, from a network that has not failed; the failing network
// stays locked out, a wrong try from a fresh network counts and locks
// that network out too, and the owner's sign-in does not unlock the
// address for the others.
func TestOwnerThroughLock(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		for range 5 {
			l.want(t, "wrong password", jan, badPass, netOne, "wrong")
		}
		l.want(t, "owner from another network", jan, janPass, netTwo, "ok")
		if d := l.delays(); len(d) != 1 || d[0] != slowPass {
			t.Errorf("delays %v, want one of %v", d, slowPass)
		}
		l.want(t, "failing network after the owner's sign-in", jan, janPass, netOne, "locked")
		l.want(t, "guess from a fresh network", jan, badPass, netThree, "wrong")
		l.want(t, "that network again", jan, janPass, netThree, "locked")
		l.want(t, "owner again", jan, janPass, netTwo, "ok")

		f, err := l.store.SigninFailures(context.Background(), l.clock.Now(), failWindow, accountKey(jan), networkKey(netTwo))
		must(t, err)
		if f[0].Count != 6 || f[1].Count != 0 {
			t.Errorf("counts %+v: want the address's 6 failures and none for the owner's network", f)
		}
	})
}

// TestNetworkLock locks a network that fails 50 times, whatever the
// addresses, for every address; IPv6 clients are grouped by /64.
func TestNetworkLock(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		for i := range ipLockAfter {
			addr := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}[i%10] + "@voorbeeld.test"
			l.want(t, "spray", addr, badPass, "2001:db8:1:2::"+string(rune('a'+i%6)), "wrong")
		}
		l.want(t, "right password from the sprayer's /64", jan, janPass, "2001:db8:1:2:ffff::1", "locked")
		l.want(t, "right password from another /64", jan, janPass, "2001:db8:1:3::1", "ok")
	})
}

// TestBurst starts 20 wrong sign-ins for one address at once: only 5
// passwords are checked, at most 5 at a time, and the others are refused
// once those failures lock the address.
func TestBurst(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		var mu sync.Mutex
		got := map[string]int{}
		var checks, running, most int
		check := func(context.Context) (bool, error) {
			mu.Lock()
			checks++
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond) // let the others pile up behind
			mu.Lock()
			running--
			mu.Unlock()
			return false, nil
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				r := outcome(l.svc.attempt(context.Background(), accountKey(jan), networkKey(netOne), check))
				mu.Lock()
				got[r]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if checks > lockAfter || most > lockAfter || got["wrong"] != checks || got["locked"] != 20-checks {
			t.Errorf("outcomes %v after %d checks, %d at once: want at most %d checked, the others locked", got, checks, most, lockAfter)
		}
		f, err := l.store.SigninFailures(context.Background(), l.clock.Now(), failWindow, accountKey(jan), networkKey(netOne))
		must(t, err)
		if f[0].Count != checks || f[1].Count != checks {
			t.Errorf("counts %+v after %d wrong passwords: refused attempts must not be counted", f, checks)
		}
		l.idle(t, accountKey(jan), networkKey(netOne))
	})
}

// TestBurstOfRightPasswords starts 12 sign-ins with the right password at
// once, as a mail client opening connections does: all pass, none is
// counted as a failure, and nothing stays held.
func TestBurstOfRightPasswords(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				r := l.try(jan, janPass, netOne)
				mu.Lock()
				got[r]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if got["ok"] != 12 {
			t.Errorf("outcomes %v: want all 12 signed in", got)
		}
		l.idle(t, accountKey(jan), networkKey(netOne))
		for range lockAfter {
			l.want(t, "wrong password after the burst", jan, badPass, netOne, "wrong")
		}
		l.want(t, "right password after 5 failures", jan, janPass, netOne, "locked")
	})
}

// TestTurns: checks in progress plus failures never exceed the limit, and
// once a lock has lapsed one check goes at a time.
func TestTurns(t *testing.T) {
	for _, c := range []struct{ failed, after, want int }{{0, 5, 5}, {3, 5, 2}, {4, 5, 1}, {5, 5, 1}, {9, 5, 1}, {49, 50, 1}, {10, 50, 40}} {
		if got := turns(c.failed, c.after); got != c.want {
			t.Errorf("turns(%d, %d) = %d, want %d", c.failed, c.after, got, c.want)
		}
	}
}

// idle fails unless no check is held for the keys, and no row is left
// for the holds.
func (l *limits) idle(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var rows int
		must(t, l.store.DB().QueryRowContext(context.Background(),
			sqlFor(l.store, `SELECT COUNT(*) FROM signin_failures WHERE key = ?`), holdKey(k)).Scan(&rows))
		if rows != 0 {
			t.Errorf("%s: a row is left for its holds", k)
		}
		n, err := l.store.HoldSignin(context.Background(), holdKey(k), l.clock.Now(), l.clock.Now().Add(-holdStale))
		must(t, err)
		must(t, l.store.ReleaseSignin(context.Background(), holdKey(k)))
		if n != 1 {
			t.Errorf("%s: %d checks still held", k, n-1)
		}
	}
}

// sqlFor turns ? placeholders into $1 on PostgreSQL (one argument).
func sqlFor(s *db.Store, query string) string {
	if s.Dialect() == db.Postgres {
		return strings.Replace(query, "?", "$1", 1)
	}
	return query
}

// TestRightPasswordLeavesNoFailure: only wrong passwords count, so that an office's daily
// sign-ins never add up to a network lock.
func TestRightPasswordLeavesNoFailure(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		for range ipLockAfter + 5 {
			l.want(t, "daily sign-in", jan, janPass, netOne, "ok")
		}
		f, err := l.store.SigninFailures(context.Background(), l.clock.Now(), failWindow, networkKey(netOne))
		must(t, err)
		if f[0].Count != 0 || f[0].Locked(l.clock.Now()) {
			t.Errorf("network after right passwords: %+v", f[0])
		}
	})
}

// TestRecheck signs out a user who was disabled or got a new password.
func TestRecheck(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		ctx := context.Background()
		u, err := l.svc.CheckPassword(ctx, jan, janPass, netOne)
		must(t, err)
		if _, err := l.svc.Recheck(ctx, u); err != nil {
			t.Fatalf("unchanged user: %v", err)
		}
		hash, err := secret.HashWith(cheap, "another long password")
		must(t, err)
		must(t, l.store.SetPassword(ctx, u.OrgID, u.ID, hash))
		if _, err := l.svc.Recheck(ctx, u); !errors.Is(err, ErrSignedOut) {
			t.Errorf("after a new password: %v, want ErrSignedOut", err)
		}
		u, err = l.svc.CheckPassword(ctx, jan, "another long password", netOne)
		must(t, err)
		must(t, l.store.SetUserDisabled(ctx, u.OrgID, u.ID, true))
		if _, err := l.svc.Recheck(ctx, u); !errors.Is(err, ErrSignedOut) {
			t.Errorf("after disabling: %v, want ErrSignedOut", err)
		}
	})
}

// TestNetworkKey groups IPv4 clients by /24 and IPv6 clients by /64, and
// puts whatever is not an IP address under one key.
func TestNetworkKey(t *testing.T) {
	same := [][2]string{
		{"192.0.2.1", "192.0.2.254"},
		{"::ffff:192.0.2.1", "192.0.2.9"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
		{"fe80::1%eth0", "fe80::2"},
		{"not an address", "999.1.1.1"},
	}
	for _, p := range same {
		if networkKey(p[0]) != networkKey(p[1]) {
			t.Errorf("%s and %s: keys %q and %q differ", p[0], p[1], networkKey(p[0]), networkKey(p[1]))
		}
	}
	differ := [][2]string{{"192.0.2.1", "192.0.3.1"}, {"2001:db8:1:2::1", "2001:db8:1:3::1"}, {"192.0.2.1", "not an address"}}
	for _, p := range differ {
		if networkKey(p[0]) == networkKey(p[1]) {
			t.Errorf("%s and %s share the key %q", p[0], p[1], networkKey(p[0]))
		}
	}
	if got := networkKey("192.0.2.77"); got != "ip:192.0.2.0/24" {
		t.Errorf("key %q", got)
	}
}
