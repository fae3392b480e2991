package auth

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// Failed sign-in policy, for the web and SMTP AUTH alike. Per typed
// address, lockAfter failures within failWindow lock it for a second, then
// two, four… up to maxLock; per client network the same from ipLockAfter
// failures. A locked address still takes the right password, after
// slowPass, from a network without failures in the window (see admit).
const (
	failWindow  = 15 * time.Minute
	lockAfter   = 5
	ipLockAfter = 50
	maxLock     = 15 * time.Minute
	slowPass    = 2 * time.Second
)

// accountKey is the limiter's key for an address as typed, known or not.
func accountKey(email string) string { return "account:" + strings.ToLower(strings.TrimSpace(email)) }

// networkKey is the limiter's key for a client: its IPv4 /24 or IPv6 /64,
// since one party usually holds the whole range. Whatever is not an IP
// address shares one key, so that made-up values cannot each get a fresh
// count.
func networkKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:unknown"
	}
	a = a.Unmap().WithZone("")
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return "ip:" + p.String()
}

func lockFor(after int) func(int) time.Duration {
	return func(n int) time.Duration {
		if n < after {
			return 0
		}
		d := time.Second << min(n-after, 20)
		return min(d, maxLock)
	}
}

// How attempts running at once share the limits. An attempt holds its
// address's and its network's key while its password is checked (see
// db.HoldSignin); a hold left behind by a stopped instance lapses after
// holdStale, and a check is cut off after holdMax so that a live hold
// never does. An attempt that finds no free turn waits, polling every
// turnPoll or so, up to turnWait.
const (
	holdMax   = 30 * time.Second
	holdStale = time.Minute
	turnPoll  = 25 * time.Millisecond
	turnWait  = 5 * time.Second
)

// holdKey is the key under which checks in progress for key are held.
func holdKey(key string) string { return "held:" + key }

// attempt runs check, which checks a password, under the limits on the
// address key akey and the network key nkey ("" for none), and returns
// ErrBadCredentials when check finds it wrong. It is the one gate every
// password goes through, on the web and in SMTP AUTH.
//
// Only wrong passwords count as failures. So that a burst of guesses
// cannot all be checked before the first failure is written, on this
// instance or another, a key's checks in progress plus its failures in
// the window never exceed its limit (turns): with 3 failures, 2 checks at
// a time. A right password is never counted, so the owner's mail client
// opening a dozen connections at once gets them all, a few at a time,
// while a dozen guesses get no more checks than a dozen in a row would.
func (s *Service) attempt(ctx context.Context, akey, nkey string, check func(context.Context) (bool, error)) error {
	g, err := s.turn(ctx, akey, nkey)
	if err != nil {
		return err
	}
	release := func() error { return s.release(ctx, akey, nkey) }
	cctx, cancel := context.WithTimeout(ctx, holdMax)
	ok, err := s.checkAfter(cctx, g, check)
	cancel()
	switch {
	case err != nil:
		return errors.Join(err, release())
	case !ok:
		return errors.Join(s.failed(ctx, akey, nkey, ErrBadCredentials), release())
	case g.slow:
		s.opt.Logger.Info("sign-in let through a locked address: the client's network has no failures")
		return release()
	}
	return errors.Join(s.opt.Store.ClearSigninFailures(context.WithoutCancel(ctx), akey), release())
}

// gate is the decision for one attempt.
type gate struct {
	slow bool // the address is locked: let the network through, slowly, one at a time
	wait bool // no turn free yet
}

// turn waits for the attempt's turn and returns with both keys held, or
// with an error and nothing held: a *ThrottledError when a key is locked
// or no turn came within turnWait.
func (s *Service) turn(ctx context.Context, akey, nkey string) (gate, error) {
	if _, err := s.admit(ctx, akey, nkey, 0, 0); err != nil { // refuse a locked key without writing
		return gate{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, turnWait)
	defer cancel()
	for {
		g, err := s.hold(ctx, akey, nkey)
		if err != nil || !g.wait {
			return g, err
		}
		if err := sleep(wctx, turnPoll+time.Duration(rand.Int64N(int64(turnPoll)))); err != nil {
			if ctx.Err() != nil {
				return gate{}, ctx.Err()
			}
			return gate{}, &ThrottledError{Until: s.now().Add(time.Second)}
		}
	}
}

// hold holds both keys, then decides with the failures as they are now:
// a failure is written before its hold is released, so every check that
// could still fail is seen, as a hold or as a failure. Unless the attempt
// may go on, it releases what it held.
func (s *Service) hold(ctx context.Context, akey, nkey string) (gate, error) {
	now := s.now()
	a, err := s.opt.Store.HoldSignin(ctx, holdKey(akey), now, now.Add(-holdStale))
	if err != nil {
		return gate{}, err
	}
	n := 0
	if nkey != "" {
		if n, err = s.opt.Store.HoldSignin(ctx, holdKey(nkey), now, now.Add(-holdStale)); err != nil {
			return gate{}, errors.Join(err, s.release(ctx, akey, ""))
		}
	}
	g, err := s.admit(ctx, akey, nkey, a, n)
	if err != nil || g.wait {
		return g, errors.Join(err, s.release(ctx, akey, nkey))
	}
	return g, nil
}

// admit decides, before any hashing, whether a password for akey may be
// checked for a client of nkey while a and n checks (this one included)
// are in progress for them: refused while the network is locked; while
// the address is locked, let through only a network that has not failed
// in the window, slowly and one at a time (gate.slow); otherwise let
// through when both keys have a turn free, else wait.
//
// Why a locked address does not refuse everyone: whoever knows an address
// could otherwise keep its owner out, from anywhere, with a few wrong
// passwords (mature mail servers let the owner through the same way). A
// network that has failed in the window is refused while the address is
// locked, so a guesser gets at most one try per network per window, every
// wrong try still counts against the address and its network, and a
// network that fails a lot is locked for every address.
func (s *Service) admit(ctx context.Context, akey, nkey string, a, n int) (gate, error) {
	now := s.now()
	f, err := s.opt.Store.SigninFailures(ctx, now, failWindow, akey, nkey)
	if err != nil {
		return gate{}, err
	}
	addr, network := f[0], f[1]
	switch {
	case network.Locked(now):
		return gate{}, &ThrottledError{Until: network.LockedUntil}
	case addr.Locked(now) && (nkey == "" || network.Count > 0):
		return gate{}, &ThrottledError{Until: addr.LockedUntil}
	case addr.Locked(now):
		return gate{slow: true, wait: n > 1}, nil
	}
	return gate{wait: a > turns(addr.Count, lockAfter) || (nkey != "" && n > turns(network.Count, ipLockAfter))}, nil
}

// turns is how many checks a key with failed failures may have in
// progress under a limit of after: as many as failures may still come
// before the lock, and one at a time once a lock has lapsed within the
// window, each failure locking it again for longer.
func turns(failed, after int) int {
	return max(after-failed, 1)
}

// release ends the holds on the keys that are not empty, even when the
// client has gone.
func (s *Service) release(ctx context.Context, keys ...string) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, k := range keys {
		if k != "" {
			errs = append(errs, s.opt.Store.ReleaseSignin(ctx, holdKey(k)))
		}
	}
	return errors.Join(errs...)
}

// checkAfter runs check, after slowPass when the gate says slow.
func (s *Service) checkAfter(ctx context.Context, g gate, check func(context.Context) (bool, error)) (bool, error) {
	if g.slow {
		if err := s.opt.Sleep(ctx, slowPass); err != nil {
			return false, err
		}
	}
	return check(ctx)
}

// failed counts a failure against akey and, unless empty, nkey, and
// returns cause. It counts even when the client has gone.
func (s *Service) failed(ctx context.Context, akey, nkey string, cause error) error {
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	if _, _, err := s.opt.Store.CountSigninFailure(ctx, akey, now, failWindow, lockFor(lockAfter)); err != nil {
		return err
	}
	if nkey != "" {
		if _, _, err := s.opt.Store.CountSigninFailure(ctx, nkey, now, failWindow, lockFor(ipLockAfter)); err != nil {
			return err
		}
	}
	return cause
}

// sleep waits d unless ctx ends first; Options.Sleep defaults to it.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
