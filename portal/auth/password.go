package auth

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"sluis/db"
	"sluis/portal/secret"
)

// hashWait is how long a check may wait for a free argon2id slot.
const hashWait = 5 * time.Second

// Password rules (NIST SP 800-63B: length, no composition rules).
const (
	MinPassword = 12
	MaxPassword = 256
)

// SignInPassword checks an address and password. On success it starts a
// session at the stage the user must go on from (second factor,
// enrolment, or signed in), ending the session the browser carried
// (previous). ip is the client's address, for the per-network limit.
func (s *Service) SignInPassword(ctx context.Context, email, password, ip, previous string) (SignIn, error) {
	u, err := s.CheckPassword(ctx, email, password, ip)
	if err != nil {
		return SignIn{}, err
	}
	stage, err := s.nextStage(ctx, u)
	if err != nil {
		return SignIn{}, err
	}
	return s.startSession(ctx, u, stage, hashOrEmpty(previous))
}

// CheckPassword checks an address and password under the sign-in limits
// and returns the user, without starting a session: SMTP AUTH signs in
// this way, the web through SignInPassword. ip is the client's address.
// It fails with ErrBadCredentials (unknown address, disabled user or wrong
// password alike), a *ThrottledError, ErrBusy, or a fault of the store.
func (s *Service) CheckPassword(ctx context.Context, email, password, ip string) (db.User, error) {
	var u db.User
	err := s.attempt(ctx, accountKey(email), networkKey(ip), func(ctx context.Context) (bool, error) {
		var ok bool
		var err error
		u, ok, err = s.checkPassword(ctx, email, password)
		return ok, err
	})
	if err != nil {
		return db.User{}, err
	}
	return u, nil
}

// Recheck reads a signed-in user again, for a sign-in that outlives one
// request (an SMTP connection): it fails with ErrSignedOut when, since u
// was read, the user was disabled or removed or their password changed,
// and otherwise returns the user as stored now.
func (s *Service) Recheck(ctx context.Context, u db.User) (db.User, error) {
	fresh, err := s.opt.Store.User(ctx, u.OrgID, u.ID)
	if errors.Is(err, db.ErrNotFound) {
		return db.User{}, ErrSignedOut
	}
	if err != nil {
		return db.User{}, err
	}
	if fresh.Disabled || fresh.PasswordHash == "" || fresh.CredentialsVersion != u.CredentialsVersion {
		return db.User{}, ErrSignedOut
	}
	return fresh, nil
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
	err := s.attempt(ctx, accountKey(u.Email), "", func(ctx context.Context) (bool, error) {
		ok, err := s.verifyHash(ctx, u.PasswordHash, current)
		if errors.Is(err, secret.ErrMalformedHash) {
			return false, nil
		}
		return ok, err
	})
	if err != nil {
		return err
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
