package verify

import (
	"context"
	"errors"
	"strconv"

	"sluis/db"
)

// failed answers a wrong entry that was charged: the recipient is locked
// when it was the last one allowed.
func (s *Service) failed(ctx context.Context, rc db.Recipient, ch db.Challenge) (Status, error) {
	if ch.Failures >= s.lim.LockAfter {
		if err := s.lock(ctx, rc); err != nil {
			return Status{}, err
		}
		return s.statusWith(ctx, rc, ErrLocked)
	}
	st, err := s.status(ctx, rc, ch)
	if err != nil {
		return Status{}, err
	}
	return st, ErrWrongCode
}

// refused answers an entry the limits did not allow: locked, or (for SMS
// codes) no live code. A recipient at the failure limit but not yet locked
// (a crash between the count and the lock) is locked now.
func (s *Service) refused(ctx context.Context, rc db.Recipient, ch db.Challenge, otherwise error) (Status, error) {
	if ch.Locked() {
		return s.statusWith(ctx, rc, ErrLocked)
	}
	if ch.Failures >= s.lim.LockAfter {
		return s.failed(ctx, rc, ch)
	}
	return s.statusWith(ctx, rc, otherwise)
}

// lock locks the recipient and enqueues the sender's mail in the same
// transaction; of concurrent callers exactly one does both.
func (s *Service) lock(ctx context.Context, rc db.Recipient) error {
	var did bool
	err := s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if did, err = tx.Lock(ctx, rc.OrgID, rc.ID, s.now(), s.lim.LockAfter); err != nil || !did {
			return err
		}
		if err := tx.AppendAudit(ctx, db.AuditEvent{OrgID: rc.OrgID, Actor: "system", Kind: "recipient.lock",
			Target: "recipient:" + strconv.FormatInt(rc.ID, 10), Detail: "too many wrong codes"}); err != nil {
			return err
		}
		if err := forgetDevicesOnLock(ctx, tx, rc); err != nil {
			return err
		}
		return s.opt.Notifier.NotifyLocked(ctx, tx, rc)
	})
	if did && err == nil {
		s.opt.Logger.Warn("recipient locked after too many wrong codes", "org_id", rc.OrgID, "recipient_id", rc.ID)
	}
	return err
}

// Unlock lifts a recipient's lock and clears its counts: an admin's act
// (issue 6 audits it). ErrNotLocked when the recipient was not locked.
func (s *Service) Unlock(ctx context.Context, orgID, recipientID int64) error {
	err := s.opt.Store.Unlock(ctx, orgID, recipientID)
	if errors.Is(err, db.ErrNotFound) {
		return ErrNotLocked
	}
	if err == nil {
		s.opt.Logger.Info("recipient unlocked", "org_id", orgID, "recipient_id", recipientID)
	}
	return err
}

// ErrNotLocked: Unlock found no lock to lift.
var ErrNotLocked = errors.New("verify: the recipient is not locked")

// forgetDevicesOnLock ends the devices remembered for a locked
// recipient's address: a lock means someone guessed, and a device must
// not outlive the suspicion.
func forgetDevicesOnLock(ctx context.Context, tx *db.Tx, rc db.Recipient) error {
	n, err := tx.DeleteDevicesOf(ctx, rc.OrgID, rc.Address)
	if err != nil || n == 0 {
		return err
	}
	return tx.AppendAudit(ctx, db.AuditEvent{OrgID: rc.OrgID, Actor: "system", Kind: "device.revoke",
		Target: "address:" + rc.Address, Detail: strconv.FormatInt(n, 10) + " device(s): the recipient was locked"})
}
