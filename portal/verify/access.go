package verify

import (
	"context"
	"strings"
	"time"

	"sluis/db"
	"sluis/portal/secret"
)

// maxAccessCode bounds what is hashed: a longer entry cannot be a code.
const maxAccessCode = 200

// CheckAccessCode checks an access code. nil means the recipient proved
// who they are. Wrong entries count as SMS code failures do, and the
// count is taken before the (slow) argon2id check, which runs only when a
// slot of the hashing semaphore is free: ErrBusy (nothing counted) when
// none frees up in time.
func (s *Service) CheckAccessCode(ctx context.Context, rc db.Recipient, code string) (Status, error) {
	if rc.Method != db.MethodAccessCode || rc.AccessCodeHash == "" {
		return Status{}, ErrWrongMethod
	}
	code = strings.TrimSpace(code)
	if code == "" || len(code) > maxAccessCode {
		return s.statusWith(ctx, rc, ErrMalformedCode)
	}
	ch, ok, err := s.opt.Store.ChargeAccessCode(ctx, rc.OrgID, rc.ID, s.lim.LockAfter)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return s.refused(ctx, rc, ch, ErrLocked)
	}
	right, err := s.verifyHash(ctx, rc.AccessCodeHash, code)
	if err != nil {
		if rerr := s.opt.Store.Refund(context.WithoutCancel(ctx), rc.OrgID, rc.ID, false); rerr != nil {
			return Status{}, rerr
		}
		return s.statusWithErr(ctx, rc, ErrBusy, nil)
	}
	if !right {
		return s.failed(ctx, rc, ch)
	}
	cleared, err := s.opt.Store.ClearFailures(ctx, rc.OrgID, rc.ID)
	if err != nil || !cleared {
		return s.statusWithErr(ctx, rc, ErrLocked, err)
	}
	return Status{Method: rc.Method}, nil
}

// verifyHash runs one argon2id check inside the semaphore; an error means
// no slot freed up in time (or the stored hash is unusable).
func (s *Service) verifyHash(ctx context.Context, hash, code string) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, s.opt.HashWait)
	defer cancel()
	if err := s.hashing.Acquire(wctx, 1); err != nil {
		s.opt.Logger.Warn("access-code check refused: too many running", "err", err)
		return false, ErrBusy
	}
	defer s.hashing.Release(1)
	return secret.Verify(hash, code)
}

// ForgotAccessCode tells the sender that the recipient does not remember
// the access code, at most once per Limits.ForgotEvery: ErrAlreadyAsked
// (with Status.Until) when the sender was told recently.
func (s *Service) ForgotAccessCode(ctx context.Context, rc db.Recipient) (Status, error) {
	if rc.Method != db.MethodAccessCode {
		return Status{}, ErrWrongMethod
	}
	now := s.now()
	var asked bool
	err := s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if asked, err = tx.Forgot(ctx, rc.OrgID, rc.ID, now, now.Add(-s.lim.ForgotEvery)); err != nil || !asked {
			return err
		}
		return s.opt.Notifier.NotifyForgotten(ctx, tx, rc)
	})
	if err != nil {
		return Status{}, err
	}
	st, err := s.Status(ctx, rc)
	if err != nil || asked {
		return st, err
	}
	ch, err := s.opt.Store.Challenge(ctx, rc.OrgID, rc.ID)
	if err != nil {
		return Status{}, err
	}
	st.Until = ch.ForgotAt.Add(s.lim.ForgotEvery).Truncate(time.Second)
	return st, ErrAlreadyAsked
}
