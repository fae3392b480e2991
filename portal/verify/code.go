package verify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"sluis/db"
	"sluis/portal/phone"
	"sluis/portal/secret"
	"sluis/portal/sms"
)

// hashCode is the stored form of a code: HMAC-SHA256 under the code key,
// bound to the recipient so that a hash copied to another row opens
// nothing.
func (s *Service) hashCode(recipientID int64, code string) string {
	m := hmac.New(sha256.New, s.opt.CodeKey)
	m.Write([]byte(strconv.FormatInt(recipientID, 10) + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// WellFormedCode reports whether code is six ASCII digits.
func WellFormedCode(code string) bool { return secret.WellFormedCode(code) }

// SendCode sends a new code, in lang, if the limits allow: by text to the
// recipient's number (method sms) or by mail to their own address (method
// mail); the new code replaces any earlier one. A refusal comes back as
// ErrLocked, ErrTooSoon, ErrHourlyLimit, ErrDailyCap or ErrCountry, a
// gateway or relay failure as ErrSendFailed (which costs nothing), each
// with the Status to show.
func (s *Service) SendCode(ctx context.Context, rc db.Recipient, lang string) (Status, error) {
	var deliver func(code string, sendID int64) error
	switch {
	case rc.Method == db.MethodMail:
		deliver = func(code string, _ int64) error { return s.mailCode(ctx, rc, lang, code) }
	case rc.Method != db.MethodSMS || rc.Phone == "":
		return Status{}, ErrWrongMethod
	default:
		if region := phone.Region(rc.Phone); !s.countries[region] {
			s.opt.Logger.Warn("text refused: destination country not allowed", "recipient_id", rc.ID, "region", region)
			return s.statusWith(ctx, rc, ErrCountry)
		}
		deliver = func(code string, sendID int64) error { return s.text(ctx, rc, lang, code, sendID) }
	}
	code, err := secret.NewCode()
	if err != nil {
		return Status{}, err
	}
	res, err := s.reserve(ctx, rc, code)
	if err != nil {
		return s.statusWith(ctx, rc, err)
	}
	if err := deliver(code, res.SendID); err != nil {
		if rerr := s.opt.Store.ReleaseCode(context.WithoutCancel(ctx), rc.OrgID, rc.ID, res); rerr != nil {
			return Status{}, errors.Join(err, rerr)
		}
		return s.statusWith(ctx, rc, err)
	}
	return s.Status(ctx, rc)
}

// codeMethod reports whether a method proves the recipient with a sent
// code (by text or by mail).
func codeMethod(method string) bool { return method == db.MethodSMS || method == db.MethodMail }

// reserve records the code's hash under the limits, mapping a refusal to
// this package's errors.
func (s *Service) reserve(ctx context.Context, rc db.Recipient, code string) (db.CodeReservation, error) {
	daily := s.opt.DailyCap
	if rc.Method == db.MethodMail {
		daily = 0 // a mailed code costs the organisation no text
	}
	res, err := s.opt.Store.ReserveCode(ctx, db.CodeSend{OrgID: rc.OrgID, RecipientID: rc.ID, CodeHash: s.hashCode(rc.ID, code),
		Now: s.now(), TTL: s.lim.CodeTTL, Cooldown: s.lim.Resend, PerHour: s.lim.PerHour, DailyCap: daily,
		MaxFailures: s.lim.LockAfter})
	var refusal *db.SendRefusal
	if !errors.As(err, &refusal) {
		return res, err
	}
	switch refusal.Reason {
	case db.RefusedLocked:
		return res, ErrLocked
	case db.RefusedCooldown:
		return res, ErrTooSoon
	case db.RefusedHourly:
		return res, ErrHourlyLimit
	}
	s.opt.Logger.Warn("text refused: the organisation's daily cap is reached", "org_id", rc.OrgID, "cap", s.opt.DailyCap)
	return res, ErrDailyCap
}

// text hands the code to the gateway; a failure is logged (masked) and
// becomes ErrSendFailed.
func (s *Service) text(ctx context.Context, rc db.Recipient, lang, code string, sendID int64) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	body := s.opt.Text.T(lang, "sms.code", map[string]any{"Code": code, "Minutes": int(s.lim.CodeTTL / time.Minute)})
	err := s.opt.SMS.Send(ctx, sms.Message{To: rc.Phone, Text: body, Reference: "sluis-" + strconv.FormatInt(sendID, 10)})
	if err != nil {
		s.opt.Logger.Warn("the SMS gateway did not take a code", "recipient_id", rc.ID, "to", phone.Mask(rc.Phone),
			"temporary", sms.IsTemporary(err), "err", err)
		return ErrSendFailed
	}
	return nil
}

// CheckCode checks an SMS or mailed code. nil means the recipient proved who they
// are (start a session). Otherwise the error is ErrMalformedCode (nothing
// counted), ErrWrongCode, ErrNoCode, ErrLocked or ErrWrongMethod, with the
// Status to show.
func (s *Service) CheckCode(ctx context.Context, rc db.Recipient, code string) (Status, error) {
	if !codeMethod(rc.Method) {
		return Status{}, ErrWrongMethod
	}
	if !WellFormedCode(code) {
		return s.statusWith(ctx, rc, ErrMalformedCode)
	}
	ch, ok, err := s.opt.Store.ChargeCode(ctx, rc.OrgID, rc.ID, s.now(), s.lim.CodeAttempts, s.lim.LockAfter)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return s.refused(ctx, rc, ch, ErrNoCode)
	}
	if hmac.Equal([]byte(s.hashCode(rc.ID, code)), []byte(ch.CodeHash)) {
		used, err := s.opt.Store.ConsumeCode(ctx, rc.OrgID, rc.ID, ch.CodeHash)
		if err != nil || !used {
			return s.statusWithErr(ctx, rc, ErrNoCode, err)
		}
		return Status{Method: rc.Method}, nil
	}
	return s.failed(ctx, rc, ch)
}

func (s *Service) statusWith(ctx context.Context, rc db.Recipient, cause error) (Status, error) {
	return s.statusWithErr(ctx, rc, cause, nil)
}

// statusWithErr returns the current Status with cause, or err when the
// step before failed.
func (s *Service) statusWithErr(ctx context.Context, rc db.Recipient, cause, err error) (Status, error) {
	if err != nil {
		return Status{}, err
	}
	st, err := s.Status(ctx, rc)
	if err != nil {
		return Status{}, err
	}
	if cause == ErrTooSoon || cause == ErrHourlyLimit {
		st.Until = s.now().Add(st.NextSendIn)
	}
	return st, cause
}
