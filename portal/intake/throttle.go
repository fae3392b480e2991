package intake

import (
	"net"
	"strings"
	"sync"
	"time"

	"sluis/db"
)

// Failed-AUTH policy. Per connection: replies slow down after connSlowAfter
// failures and the connection ends at connMaxFails. Per address and per
// client network: maxFails failures within window lock AUTH for lockFor.
const (
	connSlowAfter = 3
	connMaxFails  = 5
	maxFails      = 10
	window        = 15 * time.Minute
	lockFor       = 15 * time.Minute
	maxTracked    = 10000 // keys the limiter remembers, to bound its memory
)

// authLimiter counts failed AUTH by address and by client network.
//
// It lives in this process's memory, so each instance counts on its own and
// a restart forgets; with several instances it must move to the database,
// like the portal's other limits.
type authLimiter struct {
	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n           int
	first, last time.Time
	lockedUntil time.Time
}

func newAuthLimiter(now func() time.Time) *authLimiter {
	return &authLimiter{now: now, keys: map[string]*failures{}}
}

// locked reports whether any of the keys is locked out now.
func (l *authLimiter) locked(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		if f := l.keys[k]; f != nil && now.Before(f.lockedUntil) {
			return true
		}
	}
	return false
}

// fail counts one failure for each non-empty key.
func (l *authLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		if k == "" {
			continue
		}
		f := l.keys[k]
		if f == nil || now.Sub(f.first) >= window && !now.Before(f.lockedUntil) {
			l.makeRoom(now)
			f = &failures{first: now}
			l.keys[k] = f
		}
		f.n++
		f.last = now
		if f.n >= maxFails && !now.Before(f.lockedUntil) {
			f.lockedUntil = now.Add(lockFor)
			f.n, f.first = 0, f.lockedUntil // a new window starts when the lock lifts
		}
	}
}

// succeed forgets an address's failures after a correct password.
func (l *authLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.keys[key]; f != nil && !l.now().Before(f.lockedUntil) {
		delete(l.keys, key)
	}
}

// makeRoom drops stale entries when the table is full, and if none is
// stale, the one whose last failure is oldest. Called with mu held.
func (l *authLimiter) makeRoom(now time.Time) {
	if len(l.keys) < maxTracked {
		return
	}
	var oldest string
	for k, f := range l.keys {
		if now.Sub(f.last) >= window && !now.Before(f.lockedUntil) {
			delete(l.keys, k)
		} else if oldest == "" || f.last.Before(l.keys[oldest].last) {
			oldest = k
		}
	}
	if len(l.keys) >= maxTracked {
		delete(l.keys, oldest)
	}
}

// addressKey is the limiter's key for the address a client signs in as.
// What is not an address is cut to an address's length, to bound memory.
func addressKey(addr string) string {
	if a, err := db.NormalizeAddress(addr); err == nil {
		return "addr:" + a
	}
	a := strings.ToLower(strings.TrimSpace(addr))
	return "addr:" + a[:min(len(a), 254)]
}

// networkKey is the limiter's key for a client: its IPv4 address, or its
// IPv6 /64, since one host usually owns the whole /64.
func networkKey(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return "net:" + a.String()
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		return "net:" + ip4.String()
	}
	return "net:" + ta.IP.Mask(net.CIDRMask(64, 128)).String()
}
