package verify

import (
	"context"
	"errors"
	"time"

	"sluis/db"
	"sluis/portal/secret"
)

// Session is a recipient's session: one recipient's copy of one message.
type Session struct {
	OrgID       int64
	RecipientID int64
	MessageID   int64
	ExpiresAt   time.Time
}

// Opens reports whether the session belongs to exactly this recipient of
// this message.
func (s Session) Opens(rc db.Recipient) bool {
	return s.RecipientID == rc.ID && s.MessageID == rc.MessageID && s.OrgID == rc.OrgID
}

// touchEvery is how stale last_seen may get before a request writes it:
// the idle expiry needs no finer grain, and reads stay reads.
const touchEvery = time.Minute

// StartSession starts a session for rc after a successful check and
// records the recipient as verified; the token goes in the cookie and
// nowhere else.
func (s *Service) StartSession(ctx context.Context, rc db.Recipient) (token string, err error) {
	token, hash, err := secret.NewToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	rs := db.RecipientSession{IDHash: hash, OrgID: rc.OrgID, RecipientID: rc.ID, MessageID: rc.MessageID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.lim.SessionMax)}
	if err := s.opt.Store.CreateRecipientSession(ctx, rs, now.Add(-s.lim.SessionIdle)); err != nil {
		return "", err
	}
	if err := s.opt.Store.MarkVerified(ctx, rc.OrgID, rc.ID, now); err != nil {
		return "", err
	}
	return token, nil
}

// Session returns the live session a token names, recording the activity;
// ErrNoSession for an unknown, idle or expired one.
func (s *Service) Session(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 64 {
		return Session{}, ErrNoSession
	}
	hash := secret.HashToken(token)
	rs, err := s.opt.Store.RecipientSessionByHash(ctx, hash)
	if errors.Is(err, db.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if !now.Before(rs.ExpiresAt) || !now.Before(rs.LastSeenAt.Add(s.lim.SessionIdle)) {
		return Session{}, ErrNoSession
	}
	if now.Sub(rs.LastSeenAt) >= touchEvery {
		if err := s.opt.Store.TouchRecipientSession(ctx, hash, now); err != nil {
			return Session{}, err
		}
	}
	return Session{OrgID: rs.OrgID, RecipientID: rs.RecipientID, MessageID: rs.MessageID, ExpiresAt: rs.ExpiresAt}, nil
}

// EndSession ends the session a token names.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.opt.Store.DeleteRecipientSession(ctx, secret.HashToken(token))
}
