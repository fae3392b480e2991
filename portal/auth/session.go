package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"sluis/db"
	"sluis/portal/secret"
)

// stepTTL bounds a half-signed-in session (second factor or enrolment to come).
const stepTTL = 10 * time.Minute

// touchEvery is how stale last_seen may get before a request writes it.
const touchEvery = time.Minute

// maxCodeFailures ends a half-signed-in session.
const maxCodeFailures = 5

// Session is a live session and its user.
type Session struct {
	User      db.User
	Stage     string // db.StageFull, db.StageSecondFactor or db.StageEnrol
	ExpiresAt time.Time
	idHash    string
}

// Full reports whether the session is signed in completely.
func (s Session) Full() bool { return s.Stage == db.StageFull }

// SignIn is the outcome of a sign-in step: the new session's token (for
// the cookie, nowhere else) and where the user stands.
type SignIn struct {
	Token string
	Stage string
	User  db.User
}

func randomText() string { return rand.Text() }

// startSession creates a session at stage for u and ends the one the
// browser carried (previousHash, the hash of its id), so every step gets
// a fresh id.
func (s *Service) startSession(ctx context.Context, u db.User, stage, previousHash string) (SignIn, error) {
	token, hash, err := secret.NewToken()
	if err != nil {
		return SignIn{}, err
	}
	now := s.now()
	ttl := s.opt.SessionMax
	if stage != db.StageFull {
		ttl = stepTTL
	}
	us := db.UserSession{IDHash: hash, OrgID: u.OrgID, UserID: u.ID, Stage: stage, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.opt.Store.CreateUserSession(ctx, us, previousHash, now.Add(-s.opt.SessionIdle)); err != nil {
		return SignIn{}, err
	}
	return SignIn{Token: token, Stage: stage, User: u}, nil
}

func hashOrEmpty(token string) string {
	if token == "" {
		return ""
	}
	return secret.HashToken(token)
}

// Session returns the live session a token names, with its user, and
// records the activity; ErrNoSession for an unknown, idle or expired
// session, or a disabled user.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 64 {
		return Session{}, ErrNoSession
	}
	hash := secret.HashToken(token)
	us, err := s.opt.Store.UserSessionByHash(ctx, hash)
	if errors.Is(err, db.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if !now.Before(us.ExpiresAt) || !now.Before(us.LastSeenAt.Add(s.opt.SessionIdle)) {
		return Session{}, ErrNoSession
	}
	u, err := s.opt.Store.User(ctx, us.OrgID, us.UserID)
	if errors.Is(err, db.ErrNotFound) || err == nil && u.Disabled {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	if now.Sub(us.LastSeenAt) >= touchEvery {
		if err := s.opt.Store.TouchUserSession(ctx, hash, now); err != nil {
			return Session{}, err
		}
	}
	return Session{User: u, Stage: us.Stage, ExpiresAt: us.ExpiresAt, idHash: hash}, nil
}

// SignOut ends the session a token names.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.opt.Store.DeleteUserSession(ctx, secret.HashToken(token))
}

// SignOutEverywhere ends every session of the session's user, this one too.
func (s *Service) SignOutEverywhere(ctx context.Context, sess Session) error {
	return s.opt.Store.DeleteUserSessions(ctx, sess.User.OrgID, sess.User.ID, "")
}

// SessionCount counts the user's signed-in sessions.
func (s *Service) SessionCount(ctx context.Context, u db.User) (int, error) {
	return s.opt.Store.CountUserSessions(ctx, u.OrgID, u.ID, s.now())
}
