package verify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"sluis/db"
	"sluis/portal/policy"
	"sluis/portal/secret"
)

// A remembered device (NTA 7516: "remember this device") lets a browser
// that once proved an address open further messages of the same
// organisation to that address without a new code.
//
// Threat model, beside the package's:
//   - The cookie holds a 256-bit random token; the database only its
//     SHA-256, bound to the organisation and the address. A cookie of
//     another organisation, an expired, revoked or forged one finds no row
//     and the normal code flow follows.
//   - The device proves what the code proved: the number or access code on
//     file at the time. Its row keeps an HMAC of that data (proof); a
//     message whose data differs is not opened, and the device ends. A
//     change in the address book ends it at once (db, in the change's
//     transaction), as do a lock, "Forget this device" and an admin.
//   - The unit's policy sets the period (0: never); a message of a unit
//     that does not allow remembering is not opened by a device either.

// ErrNoDevice: the token names no live device that may open this message.
var ErrNoDevice = errors.New("verify: no remembered device opens this message")

// ErrRememberOff: the message's unit does not let devices be remembered.
var ErrRememberOff = errors.New("verify: remembering devices is off for this unit")

// MaxRememberDays is the longest a device may be remembered.
const MaxRememberDays = policy.MaxRememberDays

// RememberDays is how long the unit of msg lets a device be remembered,
// in days; 0 when it does not (or no policy is wired).
func (s *Service) RememberDays(ctx context.Context, msg db.Message) (int, error) {
	if s.opt.Policy == nil {
		return 0, nil
	}
	st, err := s.opt.Policy.For(ctx, msg.OrgID, msg.UnitID)
	if err != nil {
		return 0, err
	}
	return min(st.RememberDeviceDays, MaxRememberDays), nil
}

// proof binds a device to the verification data of a recipient.
func (s *Service) proof(rc db.Recipient) string {
	m := hmac.New(sha256.New, s.opt.CodeKey)
	data := "remembered device v1\x00" + rc.Method + "\x00" + rc.Phone + "\x00" + rc.AccessCodeHash
	if rc.Method == db.MethodMail {
		// A mailed code proved the mailbox itself: bind the address too
		// (the other methods keep their proofs as they were).
		data += "\x00" + strings.ToLower(rc.Address)
	}
	m.Write([]byte(data))
	return hex.EncodeToString(m.Sum(nil))
}

// sameAddress compares addresses as the store keeps them: the domain in
// lower case, the local part as typed.
func sameAddress(a, b string) bool {
	ia, ib := strings.LastIndexByte(a, '@'), strings.LastIndexByte(b, '@')
	return ia >= 0 && ib >= 0 && a[:ia] == b[:ib] && strings.EqualFold(a[ia:], b[ib:])
}

// RememberDevice remembers the device of a recipient who has just proved
// the address (the caller checked the code), for the unit's period. The
// token goes in a cookie and nowhere else; who names the actor and address
// of the audit event, which commits with the device.
func (s *Service) RememberDevice(ctx context.Context, rc db.Recipient, msg db.Message, who db.AuditEvent) (string, time.Time, error) {
	days, err := s.RememberDays(ctx, msg)
	if err != nil {
		return "", time.Time{}, err
	}
	if days <= 0 || rc.Method == db.MethodSignIn || rc.Method == db.MethodNone {
		return "", time.Time{}, ErrRememberOff
	}
	token, hash, err := secret.NewToken()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	d := db.Device{TokenHash: hash, OrgID: rc.OrgID, Address: rc.Address, Proof: s.proof(rc), CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(time.Duration(days) * 24 * time.Hour)}
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.AddDevice(ctx, &d); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, deviceEvent(who, rc, "device.remember", d.ID, strconv.Itoa(days)+" days"))
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, d.ExpiresAt, nil
}

func deviceEvent(who db.AuditEvent, rc db.Recipient, kind string, deviceID int64, detail string) db.AuditEvent {
	e := who
	e.OrgID, e.Kind, e.Detail = rc.OrgID, kind, detail
	e.Target = "device:" + strconv.FormatInt(deviceID, 10) + " " + rc.Address
	if e.Actor == "" {
		e.Actor = "recipient:" + strconv.FormatInt(rc.ID, 10)
	}
	return e
}

// Device returns the live device token names if it may open rc's copy of
// msg; it changes nothing (the landing page asks it on a GET).
// ErrNoDevice otherwise, whatever the reason.
func (s *Service) Device(ctx context.Context, rc db.Recipient, msg db.Message, token string) (db.Device, error) {
	d, err := s.device(ctx, rc, msg, token)
	if err != nil {
		return db.Device{}, err
	}
	if !secret.Equal(d.Proof, s.proof(rc)) {
		return db.Device{}, ErrNoDevice
	}
	return d, nil
}

// device finds the live device of token for rc, without the proof check.
func (s *Service) device(ctx context.Context, rc db.Recipient, msg db.Message, token string) (db.Device, error) {
	if len(token) != 43 || rc.OrgID != msg.OrgID || rc.MessageID != msg.ID {
		return db.Device{}, ErrNoDevice
	}
	d, err := s.opt.Store.DeviceByToken(ctx, rc.OrgID, secret.HashToken(token))
	if errors.Is(err, db.ErrNotFound) {
		return db.Device{}, ErrNoDevice
	}
	if err != nil {
		return db.Device{}, err
	}
	if !s.now().Before(d.ExpiresAt) || !sameAddress(d.Address, rc.Address) {
		return db.Device{}, ErrNoDevice
	}
	if days, err := s.RememberDays(ctx, msg); err != nil || days <= 0 {
		return db.Device{}, errors.Join(ErrNoDevice, err)
	}
	ch, err := s.opt.Store.Challenge(ctx, rc.OrgID, rc.ID)
	if err != nil {
		return db.Device{}, err
	}
	if ch.Locked() {
		return db.Device{}, ErrNoDevice
	}
	return d, nil
}

// UseDevice opens rc's copy of msg with a remembered device: the use is
// recorded and audited, and a session starts as after a right code. A
// device whose proof no longer matches (the message carries other
// verification data) ends here, audited, and ErrNoDevice follows.
func (s *Service) UseDevice(ctx context.Context, rc db.Recipient, msg db.Message, token string, who db.AuditEvent) (string, error) {
	d, err := s.device(ctx, rc, msg, token)
	if err != nil {
		return "", err
	}
	stale := !secret.Equal(d.Proof, s.proof(rc))
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if stale {
			if err := tx.DeleteDevice(ctx, d.OrgID, d.ID); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, deviceEvent(who, rc, "device.revoke", d.ID, "verification data changed on a message"))
		}
		if err := tx.TouchDevice(ctx, d.OrgID, d.ID, s.now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, deviceEvent(who, rc, "device.use", d.ID, "message recipient:"+strconv.FormatInt(rc.ID, 10)))
	})
	if errors.Is(err, db.ErrNotFound) || (err == nil && stale) {
		return "", ErrNoDevice // revoked meanwhile, or just now
	}
	if err != nil {
		return "", err
	}
	return s.StartSession(ctx, rc)
}

// ForgetDevice ends the device token names ("Forget this device"); a
// token that names none is not an error (the cookie goes all the same).
func (s *Service) ForgetDevice(ctx context.Context, rc db.Recipient, token string, who db.AuditEvent) error {
	if len(token) != 43 {
		return nil
	}
	d, err := s.opt.Store.DeviceByToken(ctx, rc.OrgID, secret.HashToken(token))
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteDevice(ctx, d.OrgID, d.ID); err != nil {
			return err
		}
		rc.Address = d.Address
		return tx.AppendAudit(ctx, deviceEvent(who, rc, "device.forget", d.ID, ""))
	})
}

// RevokeDevice ends one of the organisation's devices: an admin's act,
// audited with it (who is the admin's event). db.ErrNotFound when the
// organisation has no such device.
func (s *Service) RevokeDevice(ctx context.Context, orgID, id int64, who db.AuditEvent) error {
	d, err := s.opt.Store.Device(ctx, orgID, id)
	if err != nil {
		return err
	}
	return s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteDevice(ctx, orgID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, deviceEvent(who, db.Recipient{OrgID: orgID, Address: d.Address}, "device.revoke", id, "by an admin"))
	})
}
