package verify

import (
	"context"
	"time"

	"sluis/db"
)

// Status is what the person is shown about their verification: whether a
// code can be typed, how many tries are left and when a new code can come.
type Status struct {
	Method        string
	Locked        bool
	CodeLive      bool      // a sent code can still be entered
	CodeSentAt    time.Time // zero when no code was ever sent
	CodeExpiresAt time.Time
	AttemptsLeft  int           // entries before the code ends or the lock, whichever is first
	BeforeLock    int           // failures before the recipient is locked
	NextSendIn    time.Duration // 0 when a new code may be sent now
	Until         time.Time     // when a refused action may be retried; zero when it may now
}

// Status reports a recipient's verification state.
func (s *Service) Status(ctx context.Context, rc db.Recipient) (Status, error) {
	ch, err := s.opt.Store.Challenge(ctx, rc.OrgID, rc.ID)
	if err != nil {
		return Status{}, err
	}
	return s.status(ctx, rc, ch)
}

func (s *Service) status(ctx context.Context, rc db.Recipient, ch db.Challenge) (Status, error) {
	now := s.now()
	st := Status{Method: rc.Method, CodeSentAt: ch.CodeSentAt, CodeExpiresAt: ch.CodeExpiresAt}
	st.BeforeLock = max(s.lim.LockAfter-ch.Failures, 0)
	st.Locked = ch.Locked() || st.BeforeLock == 0
	st.AttemptsLeft = st.BeforeLock
	st.CodeLive = !st.Locked && ch.CodeHash != "" && now.Before(ch.CodeExpiresAt) && ch.CodeFailures < s.lim.CodeAttempts
	switch {
	case st.CodeLive:
		st.AttemptsLeft = min(st.AttemptsLeft, s.lim.CodeAttempts-ch.CodeFailures)
	case codeMethod(rc.Method):
		st.AttemptsLeft = 0 // nothing to enter until a new code is sent
	}
	if !codeMethod(rc.Method) || st.Locked {
		return st, nil
	}
	next := ch.CodeSentAt.Add(s.lim.Resend)
	n, oldest, err := s.opt.Store.SMSSendsSince(ctx, rc.OrgID, rc.ID, now.Add(-time.Hour))
	if err != nil {
		return Status{}, err
	}
	if n >= s.lim.PerHour && oldest.Add(time.Hour).After(next) {
		next = oldest.Add(time.Hour)
	}
	if !ch.CodeSentAt.IsZero() && next.After(now) {
		st.NextSendIn = next.Sub(now).Round(time.Second)
	}
	return st, nil
}
