package delivery

import (
	"context"
	"errors"
	"fmt"

	"sluis/db"
	"sluis/portal/policy"
)

// ErrTooLarge: the message is larger than the sender's unit allows
// (policy max_message_size). The intake's submitter answers it with a
// permanent 552 5.3.4.
var ErrTooLarge = errors.New("delivery: the message is larger than the unit allows")

// unitSettings is the sender's unit's settings, read once per message.
// Without a Policy, or when it cannot be read (logged), the Options'
// retention and every verification method apply.
func (s *Service) unitSettings(ctx context.Context, u db.User) policy.Settings {
	d := policy.Settings{Methods: []string{policy.MethodSMS, policy.MethodAccessCode},
		MessageRetention: s.opt.Retention, DraftRetention: s.opt.DraftTTL}
	if s.opt.Policy == nil {
		return d
	}
	p, err := s.opt.Policy.For(ctx, u.OrgID, u.UnitID)
	if err != nil {
		s.opt.Logger.Warn("reading the unit's policy; using the defaults", "unit_id", u.UnitID, "err", err)
		return d
	}
	if p.MessageRetention <= 0 {
		p.MessageRetention = s.opt.Retention
	}
	if p.DraftRetention <= 0 {
		p.DraftRetention = s.opt.DraftTTL
	}
	return p
}

// checkSize refuses a message larger than the sender's unit allows.
func checkSize(p policy.Settings, size int64) error {
	if p.MaxMessageSize > 0 && size > p.MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, p.MaxMessageSize)
	}
	return nil
}
