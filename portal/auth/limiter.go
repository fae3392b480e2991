package auth

import (
	"context"
	"errors"
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

// attempt runs check, which checks a password, under the limits on the
// address key akey and the network key nkey ("" for none), and returns
// ErrBadCredentials when check finds it wrong. It is the one gate every
// password goes through, on the web and in SMTP AUTH.
//
// The attempt is counted as a failure before check runs and taken back if
// the password was right, so that attempts running at once, on this
// instance or another, see each other: a burst of guesses cannot all pass
// the lock checks before the first failure is written.
func (s *Service) attempt(ctx context.Context, akey, nkey string, check func(context.Context) (bool, error)) error {
	g, err := s.admit(ctx, akey, nkey)
	if err != nil {
		return err
	}
	counted, err := s.reserve(ctx, akey, nkey, g)
	if err != nil {
		return err
	}
	ok, err := s.checkAfter(ctx, g, check)
	switch {
	case err != nil:
		return errors.Join(err, s.forgive(ctx, counted...))
	case !ok && g.slow:
		return s.failed(ctx, akey, "", ErrBadCredentials) // the network was counted already
	case !ok:
		return ErrBadCredentials
	case g.slow:
		s.opt.Logger.Info("sign-in let through a locked address: the client's network has no failures")
		return s.forgive(ctx, counted...)
	}
	return errors.Join(s.opt.Store.ClearSigninFailures(ctx, akey), s.forgive(ctx, nkey))
}

// gate is admit's decision for one attempt.
type gate struct {
	slow      bool      // the address is locked: let the network through, slowly, once
	addrUntil time.Time // the address's lock, when slow
}

// admit decides, before any hashing, whether a password for akey may be
// checked for a client of nkey: refused while the network is locked;
// while the address is locked, let through only a network that has not
// failed in the window, slowly (gate.slow); otherwise let through.
//
// Why a locked address does not refuse everyone: whoever knows an address
// could otherwise keep its owner out, from anywhere, with a few wrong
// passwords (mature mail servers let the owner through the same way). A
// network that has failed in the window is refused while the address is
// locked, so a guesser gets at most one try per network per window, every
// wrong try still counts against the address and its network, and a
// network that fails a lot is locked for every address.
func (s *Service) admit(ctx context.Context, akey, nkey string) (gate, error) {
	now := s.now()
	f, err := s.opt.Store.SigninFailures(ctx, now, failWindow, akey, nkey)
	if err != nil {
		return gate{}, err
	}
	addr, network := f[0], f[1]
	switch {
	case network.Locked(now):
		return gate{}, &ThrottledError{Until: network.LockedUntil}
	case !addr.Locked(now):
		return gate{}, nil
	case nkey != "" && network.Count == 0:
		return gate{slow: true, addrUntil: addr.LockedUntil}, nil
	}
	return gate{}, &ThrottledError{Until: addr.LockedUntil}
}

// reserve counts the attempt as a failure of its keys (only of the network
// when g.slow) and returns the keys it counted. An attempt that finds a
// key locked since admit looked, or, past a locked address, its network
// tried meanwhile, is refused, and what it counted is taken back.
func (s *Service) reserve(ctx context.Context, akey, nkey string, g gate) ([]string, error) {
	now := s.now()
	var counted []string
	var refuse *ThrottledError
	if !g.slow {
		_, before, err := s.opt.Store.CountSigninFailure(ctx, akey, now, failWindow, lockFor(lockAfter))
		if err != nil {
			return nil, err
		}
		counted = append(counted, akey)
		if before.After(now) {
			refuse = &ThrottledError{Until: before}
		}
	}
	if nkey != "" {
		n, before, err := s.opt.Store.CountSigninFailure(ctx, nkey, now, failWindow, lockFor(ipLockAfter))
		if err != nil {
			return nil, errors.Join(err, s.forgive(ctx, counted...))
		}
		counted = append(counted, nkey)
		switch {
		case before.After(now):
			refuse = &ThrottledError{Until: before}
		case g.slow && n > 1:
			refuse = &ThrottledError{Until: g.addrUntil}
		}
	}
	if refuse != nil {
		return nil, errors.Join(refuse, s.forgive(ctx, counted...))
	}
	return counted, nil
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

// forgive takes back a failure counted ahead of a check, for each key that
// is not empty.
func (s *Service) forgive(ctx context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		if k != "" {
			errs = append(errs, s.opt.Store.ForgiveSigninFailure(ctx, k))
		}
	}
	return errors.Join(errs...)
}

// failed counts a failure against akey and, unless empty, nkey, and
// returns cause.
func (s *Service) failed(ctx context.Context, akey, nkey string, cause error) error {
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
