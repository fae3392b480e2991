package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"sluis/db"
)

// enrolTOTP gives jan a confirmed TOTP and returns its secret.
func (l *limits) enrolTOTP(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	e, err := l.svc.BeginTOTP(ctx, l.user)
	must(t, err)
	_, err = l.svc.ConfirmTOTP(ctx, Session{User: l.user, Stage: db.StageFull}, l.code(t, e.Secret))
	must(t, err)
	l.clock.Advance(totpPeriod * time.Second) // the confirming step is used
	return e.Secret
}

func (l *limits) code(t *testing.T, sec string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(sec, l.clock.Now(), totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	must(t, err)
	return c
}

// halfSignedIn signs jan in with the right password and returns the
// session that waits for the second factor.
func (l *limits) halfSignedIn(t *testing.T) Session {
	t.Helper()
	ctx := context.Background()
	in, err := l.svc.SignInPassword(ctx, jan, janPass, netTwo, "")
	must(t, err)
	if in.Stage != db.StageSecondFactor {
		t.Fatalf("stage %q after the password, want the second factor", in.Stage)
	}
	sess, err := l.svc.Session(ctx, in.Token)
	must(t, err)
	return sess
}

// wrongCode is a 6-digit code that is not right now.
func wrongCode(right string) string {
	if right == "000000" {
		return "111111"
	}
	return "000000"
}

// TestSecondFactorGuessing: alternating "right password, 5 wrong codes"
// (the review's attack) gets at most factorLockAfter codes checked, the
// later ones only after a growing wait, and then the second factor is
// locked: a right password does not reset the run, a right code no longer
// passes, and only an admin's unlock lets the user in again.
func TestSecondFactorGuessing(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		ctx := context.Background()
		sec := l.enrolTOTP(t)
		checked, throttled := 0, 0
		var lastWait time.Duration
		locked := false
		for round := 0; round < 40 && !locked; round++ {
			sess := l.halfSignedIn(t)
			for range 5 {
				_, err := l.svc.SecondFactor(ctx, sess, wrongCode(l.code(t, sec)))
				var te *ThrottledError
				switch {
				case errors.Is(err, ErrBadCode):
					checked++
				case errors.As(err, &te):
					throttled++
					wait := te.Until.Sub(l.clock.Now())
					if wait < lastWait {
						t.Errorf("wait %s after a wait of %s: it must not shrink", wait, lastWait)
					}
					lastWait = wait
					l.clock.Advance(wait) // the guesser waits it out
				case errors.Is(err, ErrFactorLocked):
					locked = true
				case errors.Is(err, ErrNoSession):
					// the half-signed-in session ended: sign in again
				default:
					t.Fatalf("after %d codes: %v", checked, err)
				}
				if locked || err != nil && errors.Is(err, ErrNoSession) {
					break
				}
			}
		}
		if !locked || checked > factorLockAfter {
			t.Fatalf("%d wrong codes checked, locked %v: want at most %d, then locked", checked, locked, factorLockAfter)
		}
		if throttled == 0 || lastWait < 8*time.Second {
			t.Errorf("%d codes refused, last wait %s: want the wait to have grown", throttled, lastWait)
		}
		l.clock.Advance(time.Hour)
		sess := l.halfSignedIn(t)
		if _, err := l.svc.SecondFactor(ctx, sess, l.code(t, sec)); !errors.Is(err, ErrFactorLocked) {
			t.Errorf("right code on a locked second factor: %v, want ErrFactorLocked", err)
		}
		if ok, err := l.svc.SecondFactorLocked(ctx, l.user); err != nil || !ok {
			t.Errorf("SecondFactorLocked = %v, %v", ok, err)
		}
		must(t, l.svc.UnlockSecondFactor(ctx, l.user))
		if _, err := l.svc.SecondFactor(ctx, sess, l.code(t, sec)); err != nil {
			t.Errorf("right code after the unlock: %v", err)
		}
	})
}

// TestRecoveryCodesShareTheRun: wrong recovery codes count on the same
// run as TOTP codes, and a right one ends it.
func TestRecoveryCodesShareTheRun(t *testing.T) {
	eachLimits(t, func(t *testing.T, l *limits) {
		ctx := context.Background()
		l.enrolTOTP(t)
		codes, err := l.svc.NewRecoveryCodes(ctx, l.user)
		must(t, err)
		for range factorSlowAfter {
			sess := l.halfSignedIn(t)
			if _, err := l.svc.SecondFactor(ctx, sess, "AAAA-AAAA-AAAA-AAAA"); !errors.Is(err, ErrBadCode) {
				t.Fatalf("wrong recovery code: %v", err)
			}
		}
		sess := l.halfSignedIn(t)
		var te *ThrottledError
		if _, err := l.svc.SecondFactor(ctx, sess, codes[0]); !errors.As(err, &te) {
			t.Fatalf("recovery code within the wait: %v, want throttled", err)
		}
		l.clock.Advance(te.Until.Sub(l.clock.Now()))
		if _, err := l.svc.SecondFactor(ctx, sess, codes[0]); err != nil {
			t.Fatalf("right recovery code after the wait: %v", err)
		}
		f, err := l.store.FactorFailures(ctx, l.user.OrgID, l.user.ID)
		must(t, err)
		if f.Count != 0 || f.Locked {
			t.Errorf("run %+v after a right code, want none", f)
		}
	})
}
