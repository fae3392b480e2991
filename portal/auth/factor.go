package auth

import (
	"context"
	"errors"
	"time"

	"sluis/db"
)

// Second-factor guessing policy. Wrong TOTP and recovery codes count on a
// run of their own per user, which a right password never resets (else
// "right password, a few wrong codes" would go on for ever): from
// factorSlowAfter failures on, the next code is checked only after a wait
// that doubles with each failure (up to maxLock), and at factorLockAfter
// the second factor locks until an admin unlocks it. A guesser thus gets
// at most factorLockAfter tries at a one-in-a-million code, however they
// interleave them with passwords and sessions. Nothing sleeps on the
// server: a code that comes too early is refused with the time to wait.
const (
	factorSlowAfter = 5
	factorLockAfter = 20
)

// ErrFactorLocked: the second factor is locked after too many wrong codes;
// an admin can unlock it.
var ErrFactorLocked = errors.New("auth: the second factor is locked after too many wrong codes")

// factorPolicy is the wait and lock after the n-th wrong code in a row.
func factorPolicy(n int) (time.Duration, bool) {
	if n >= factorLockAfter {
		return 0, true
	}
	if n < factorSlowAfter {
		return 0, false
	}
	return min(time.Second<<(n-factorSlowAfter), maxLock), false
}

// admitCode counts a second-factor attempt of u ahead of its check, or
// refuses it: ErrFactorLocked, or a *ThrottledError while the wait lasts.
// A right code then ends the run (ClearFactorFailures).
func (s *Service) admitCode(ctx context.Context, u db.User) error {
	before, counted, err := s.opt.Store.CountFactorAttempt(ctx, u.OrgID, u.ID, s.now(), factorPolicy)
	switch {
	case err != nil:
		return err
	case before.Locked:
		return ErrFactorLocked
	case !counted:
		return &ThrottledError{Until: before.NotBefore}
	}
	if _, lock := factorPolicy(before.Count + 1); lock {
		s.opt.Logger.Warn("second factor locked after too many wrong codes", "user_id", u.ID)
	}
	return nil
}

// SecondFactorLocked reports whether u's second factor is locked.
func (s *Service) SecondFactorLocked(ctx context.Context, u db.User) (bool, error) {
	f, err := s.opt.Store.FactorFailures(ctx, u.OrgID, u.ID)
	return f.Locked, err
}

// UnlockSecondFactor ends u's run of wrong codes, locked or not: an
// admin's act, which the caller audits.
func (s *Service) UnlockSecondFactor(ctx context.Context, u db.User) error {
	if err := s.opt.Store.ClearFactorFailures(ctx, u.OrgID, u.ID); err != nil {
		return err
	}
	s.opt.Logger.Info("second factor unlocked", "user_id", u.ID)
	return nil
}
