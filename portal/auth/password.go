package auth

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"sluis/db"
	"sluis/portal/secret"
)

// Failed sign-in policy: per typed address, lockAfter failures within
// failWindow lock it for a second, then two, four… up to maxLock; per
// client network the same from ipLockAfter failures.
const (
	failWindow  = 15 * time.Minute
	lockAfter   = 5
	ipLockAfter = 50
	maxLock     = 15 * time.Minute
	hashWait    = 5 * time.Second
)

// Password rules (NIST SP 800-63B: length, no composition rules).
const (
	MinPassword = 12
	MaxPassword = 256
)

func accountKey(email string) string { return "account:" + strings.ToLower(strings.TrimSpace(email)) }

// networkKey groups an IPv4 client by /24 and an IPv6 client by /64.
func networkKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	bits := 24
	if a.Is6() && !a.Is4In6() {
		bits = 64
	}
	p, _ := a.Unmap().Prefix(bits)
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

// SignInPassword checks an address and password. On success it starts a
// session at the stage the user must go on from (second factor,
// enrolment, or signed in), ending the session the browser carried
// (previous). ip is the client's address, for the per-network limit.
func (s *Service) SignInPassword(ctx context.Context, email, password, ip, previous string) (SignIn, error) {
	akey, ikey := accountKey(email), networkKey(ip)
	if err := s.checkLocks(ctx, akey, ikey); err != nil {
		return SignIn{}, err
	}
	u, ok, err := s.checkPassword(ctx, email, password)
	if err != nil {
		return SignIn{}, err
	}
	if !ok {
		return SignIn{}, s.failed(ctx, akey, ikey, ErrBadCredentials)
	}
	if err := s.opt.Store.ClearSigninFailures(ctx, akey); err != nil {
		return SignIn{}, err
	}
	stage, err := s.nextStage(ctx, u)
	if err != nil {
		return SignIn{}, err
	}
	return s.startSession(ctx, u, stage, hashOrEmpty(previous))
}

// nextStage is where a user goes after the password: the second factor
// if they have one, enrolment if their unit requires one, else signed in.
func (s *Service) nextStage(ctx context.Context, u db.User) (string, error) {
	t, err := s.opt.Store.UserTOTP(ctx, u.OrgID, u.ID)
	if err == nil && !t.ConfirmedAt.IsZero() {
		return db.StageSecondFactor, nil
	}
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return "", err
	}
	p, err := s.opt.Policy.For(ctx, u.OrgID, u.UnitID)
	if err != nil {
		return "", err
	}
	if p.RequireSecondFactor {
		return db.StageEnrol, nil
	}
	return db.StageFull, nil
}

func (s *Service) checkLocks(ctx context.Context, keys ...string) error {
	until, err := s.opt.Store.SigninLockedUntil(ctx, s.now(), keys...)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		return &ThrottledError{Until: until}
	}
	return nil
}

// failed counts a failure against the keys and returns cause.
func (s *Service) failed(ctx context.Context, akey, ikey string, cause error) error {
	now := s.now()
	if _, err := s.opt.Store.CountSigninFailure(ctx, akey, now, failWindow, lockFor(lockAfter)); err != nil {
		return err
	}
	if ikey != "" {
		if _, err := s.opt.Store.CountSigninFailure(ctx, ikey, now, failWindow, lockFor(ipLockAfter)); err != nil {
			return err
		}
	}
	return cause
}

// checkPassword looks the address up and runs argon2id whether or not it
// exists, so that time does not tell.
func (s *Service) checkPassword(ctx context.Context, email, password string) (db.User, bool, error) {
	u, err := s.opt.Store.UserByAddress(ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return db.User{}, false, err
	}
	hash := s.dummy
	if found && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, err := s.verifyHash(ctx, hash, password)
	if err != nil && !errors.Is(err, secret.ErrMalformedHash) {
		return db.User{}, false, err
	}
	return u, found && ok && err == nil && !u.Disabled && u.PasswordHash != "", nil
}

func (s *Service) verifyHash(ctx context.Context, hash, password string) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, hashWait)
	defer cancel()
	if err := s.sem.Acquire(wctx, 1); err != nil {
		return false, ErrBusy
	}
	defer s.sem.Release(1)
	return secret.Verify(hash, password)
}

// CheckNewPassword enforces the password rules: long enough, not too
// long, and not the address itself.
func CheckNewPassword(u db.User, password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPassword || n > MaxPassword || strings.EqualFold(strings.TrimSpace(password), u.Email) {
		return ErrPasswordRules
	}
	return nil
}

// ChangePassword checks the current password, stores the new one (also the
// SMTP password) and ends every other session of the user.
func (s *Service) ChangePassword(ctx context.Context, sess Session, current, next string) error {
	u := sess.User
	akey := accountKey(u.Email)
	if err := s.checkLocks(ctx, akey); err != nil {
		return err
	}
	ok, err := s.verifyHash(ctx, u.PasswordHash, current)
	if err != nil || !ok {
		return s.failed(ctx, akey, "", ErrBadCredentials)
	}
	if err := CheckNewPassword(u, next); err != nil {
		return err
	}
	hash, err := secret.HashWith(s.opt.Hash, next)
	if err != nil {
		return err
	}
	if err := s.opt.Store.SetPassword(ctx, u.OrgID, u.ID, hash); err != nil {
		return err
	}
	s.opt.Logger.Info("password changed", "user_id", u.ID)
	return s.opt.Store.DeleteUserSessions(ctx, u.OrgID, u.ID, sess.idHash)
}
