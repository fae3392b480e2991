package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sluis/db"
	"sluis/portal/policy"
)

// ErrTooLarge: the message is larger than the sender's unit allows
// (policy max_message_size). The intake's submitter answers it with a
// permanent 552 5.3.4.
var ErrTooLarge = errors.New("delivery: the message is larger than the unit allows")

// unitPolicy is the sender's unit's settings, or ok false without a
// Policy (or when it cannot be read: the defaults of Options apply, and
// the reason is logged).
func (s *Service) unitPolicy(ctx context.Context, u db.User) (policy.Settings, bool) {
	if s.opt.Policy == nil {
		return policy.Settings{}, false
	}
	p, err := s.opt.Policy.For(ctx, u.OrgID, u.UnitID)
	if err != nil {
		s.opt.Logger.Warn("reading the unit's policy; using the defaults", "unit_id", u.UnitID, "err", err)
		return policy.Settings{}, false
	}
	return p, true
}

// retention is how long the sender's unit keeps a released message's
// content: the unit's message_retention, or Retention.
func (s *Service) retention(ctx context.Context, u db.User) time.Duration {
	if p, ok := s.unitPolicy(ctx, u); ok && p.MessageRetention > 0 {
		return p.MessageRetention
	}
	return s.opt.Retention
}

// checkSize refuses a message larger than the sender's unit allows.
func (s *Service) checkSize(ctx context.Context, u db.User, size int64) error {
	if p, ok := s.unitPolicy(ctx, u); ok && p.MaxMessageSize > 0 && size > p.MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, p.MaxMessageSize)
	}
	return nil
}

// allowed reports whether the sender's unit allows a verification
// method (policy methods); without a Policy every method is.
func (r *resolver) allowed(ctx context.Context, method string) bool {
	if r.pol == nil {
		p, ok := r.s.unitPolicy(ctx, r.sender)
		if !ok {
			p.Methods = []string{policy.MethodSMS, policy.MethodAccessCode}
		}
		r.pol = &p
	}
	return r.pol.Allows(method)
}
