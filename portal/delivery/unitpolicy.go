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

// ErrUnavailable: something a decision depends on — the unit's policy,
// the sender's organisation, an address book — could not be read. Nothing
// is decided without it (no permissive default stands in): the intake
// answers 451 4.3.0 so the mail program tries again, the web shows its
// generic error.
var ErrUnavailable = errors.New("delivery: a policy or address book could not be read")

// unavailableError is ErrUnavailable with its cause. Temporary() tells the
// intake (intake.IsTemporary) that trying again later may work.
type unavailableError struct {
	what string
	err  error
}

func unavailable(what string, err error) error { return &unavailableError{what: what, err: err} }

func (e *unavailableError) Error() string   { return "reading " + e.what + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// Temporary reports that the failure may pass.
func (e *unavailableError) Temporary() bool { return true }

// unitSettings is the sender's unit's settings, read once per message.
// Without a Policy the defaults apply: the Options' retention, every
// verification method, web sending on, read receipts off. When the
// policy cannot be read, it fails (ErrUnavailable) rather than guess.
func (s *Service) unitSettings(ctx context.Context, u db.User) (policy.Settings, error) {
	if s.opt.Policy == nil {
		return policy.Settings{Methods: []string{policy.MethodSMS, policy.MethodAccessCode}, WebSending: true,
			Receipts:         policy.ReceiptPolicy{Mode: policy.ReceiptsOff},
			MessageRetention: s.opt.Retention, DraftRetention: s.opt.DraftTTL}, nil
	}
	p, err := s.opt.Policy.For(ctx, u.OrgID, u.UnitID)
	if err != nil {
		return policy.Settings{}, unavailable(fmt.Sprintf("the policy of unit %d", u.UnitID), err)
	}
	if p.MessageRetention <= 0 {
		p.MessageRetention = s.opt.Retention
	}
	if p.DraftRetention <= 0 {
		p.DraftRetention = s.opt.DraftTTL
	}
	return p, nil
}

// checkSize refuses a message larger than the sender's unit allows.
func checkSize(p policy.Settings, size int64) error {
	if p.MaxMessageSize > 0 && size > p.MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, p.MaxMessageSize)
	}
	return nil
}
