package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"sluis/db"
	"sluis/portal/secret"
)

// TOTP parameters: the ones every authenticator app supports.
const (
	totpPeriod    = 30
	totpDigits    = otp.DigitsSix
	recoveryCount = 10
)

// Enrolment is what the user needs to add Sluis to an authenticator app.
type Enrolment struct {
	Secret string // base32, for typing in
	URI    string // otpauth:// URI, the QR code's content
	QR     []byte // PNG of the QR code
}

// TOTPStatus is what the account page shows.
type TOTPStatus struct {
	Enabled      bool
	RecoveryLeft int
}

func totpBinding(userID int64) string { return "user " + strconv.FormatInt(userID, 10) + " totp" }

// BeginTOTP starts (or restarts) TOTP enrolment with a fresh secret; the
// secret takes effect only once ConfirmTOTP sees a code made with it.
func (s *Service) BeginTOTP(ctx context.Context, u db.User) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.opt.Issuer, AccountName: u.Email, Period: totpPeriod, Digits: totpDigits})
	if err != nil {
		return Enrolment{}, err
	}
	sealed, err := s.opt.Vault.SealField([]byte(key.Secret()), totpBinding(u.ID))
	if err != nil {
		return Enrolment{}, err
	}
	if err := s.opt.Store.PutPendingTOTP(ctx, u.OrgID, u.ID, sealed); err != nil {
		if errors.Is(err, db.ErrDuplicate) {
			return Enrolment{}, ErrTOTPEnabled
		}
		return Enrolment{}, err
	}
	return enrolment(key)
}

// PendingTOTP returns the enrolment in progress again (a reload of the
// page), or ErrNotEnrolling.
func (s *Service) PendingTOTP(ctx context.Context, u db.User) (Enrolment, error) {
	t, sec, err := s.totpSecret(ctx, u)
	if errors.Is(err, db.ErrNotFound) || err == nil && !t.ConfirmedAt.IsZero() {
		return Enrolment{}, ErrNotEnrolling
	}
	if err != nil {
		return Enrolment{}, err
	}
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=%d&digits=6&algorithm=SHA1",
		escape(s.opt.Issuer), escape(u.Email), sec, escape(s.opt.Issuer), totpPeriod))
	if err != nil {
		return Enrolment{}, err
	}
	return enrolment(key)
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), " ", "%20")
}

func enrolment(key *otp.Key) (Enrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL(), QR: b.Bytes()}, nil
}

func (s *Service) totpSecret(ctx context.Context, u db.User) (db.TOTP, string, error) {
	t, err := s.opt.Store.UserTOTP(ctx, u.OrgID, u.ID)
	if err != nil {
		return db.TOTP{}, "", err
	}
	sec, err := s.opt.Vault.OpenField(t.Secret, totpBinding(u.ID))
	if err != nil {
		return db.TOTP{}, "", fmt.Errorf("opening TOTP secret of user %d: %w", u.ID, err)
	}
	return t, string(sec), nil
}

// matchStep returns the time step (within one step of now) whose code is
// code; ok is false when none is.
func matchStep(sec, code string, now time.Time) (step int64, ok bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(sec, t, totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && secret.Equal(want, code) {
			return t.Unix() / totpPeriod, true
		}
	}
	return 0, false
}

// Confirmed is the end of an enrolment: the recovery codes to show once,
// and, when the enrolment was the last step of signing in, the new
// session's token (else "").
type Confirmed struct {
	RecoveryCodes []string
	Token         string
}

// ConfirmTOTP finishes enrolment with a first code and issues the
// recovery codes.
func (s *Service) ConfirmTOTP(ctx context.Context, sess Session, code string) (Confirmed, error) {
	u := sess.User
	t, sec, err := s.totpSecret(ctx, u)
	if errors.Is(err, db.ErrNotFound) || err == nil && !t.ConfirmedAt.IsZero() {
		return Confirmed{}, ErrNotEnrolling
	}
	if err != nil {
		return Confirmed{}, err
	}
	step, ok := matchStep(sec, code, s.now())
	if !ok {
		return Confirmed{}, s.codeFailed(ctx, sess, ErrBadCode)
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return Confirmed{}, err
	}
	if ok, err := s.opt.Store.AcceptTOTPStep(ctx, u.OrgID, u.ID, step, true, hashes); err != nil || !ok {
		return Confirmed{}, errors.Join(err, ErrNotEnrolling)
	}
	s.opt.Logger.Info("TOTP enrolled", "user_id", u.ID)
	out := Confirmed{RecoveryCodes: codes}
	if sess.Stage == db.StageEnrol {
		in, err := s.startSession(ctx, u, db.StageFull, sess.idHash)
		if err != nil {
			return Confirmed{}, err
		}
		out.Token = in.Token
	}
	return out, nil
}

// codeFailed counts a wrong enrolment code in a half-signed-in session
// (which ends after maxCodeFailures) and against the account, and returns
// cause.
func (s *Service) codeFailed(ctx context.Context, sess Session, cause error) error {
	return s.failed(ctx, accountKey(sess.User.Email), "", s.sessionFailed(ctx, sess, cause))
}

// sessionFailed counts a wrong code in a half-signed-in session, which
// ends after maxCodeFailures, and returns cause.
func (s *Service) sessionFailed(ctx context.Context, sess Session, cause error) error {
	if sess.Stage != db.StageFull {
		if _, err := s.opt.Store.CountSessionFailure(ctx, sess.idHash, maxCodeFailures); err != nil {
			return err
		}
	}
	return cause
}

// SecondFactor finishes signing in with a TOTP code or a recovery code,
// in the half-signed-in session sess; the session is replaced by a new,
// signed-in one. Every code is counted on the user's second-factor run
// (admitCode), which a password never resets.
func (s *Service) SecondFactor(ctx context.Context, sess Session, code string) (SignIn, error) {
	if sess.Stage != db.StageSecondFactor {
		return SignIn{}, ErrNoSession
	}
	u := sess.User
	if err := s.admitCode(ctx, u); err != nil {
		return SignIn{}, err
	}
	if err := s.checkCode(ctx, u, code); err != nil {
		return SignIn{}, s.sessionFailed(ctx, sess, err)
	}
	if err := s.opt.Store.ClearFactorFailures(ctx, u.OrgID, u.ID); err != nil {
		return SignIn{}, err
	}
	return s.startSession(ctx, u, db.StageFull, sess.idHash)
}

// checkCode accepts a TOTP code of a later step than the last accepted
// one, or an unused recovery code.
func (s *Service) checkCode(ctx context.Context, u db.User, code string) error {
	if isRecoveryCode(code) {
		ok, err := s.opt.Store.UseRecoveryCode(ctx, u.OrgID, u.ID, secret.HashToken(normalizeRecovery(code)))
		if err != nil || !ok {
			return errors.Join(err, ErrBadCode)
		}
		s.opt.Logger.Info("recovery code used", "user_id", u.ID)
		return nil
	}
	t, sec, err := s.totpSecret(ctx, u)
	if err != nil || t.ConfirmedAt.IsZero() {
		return errors.Join(ignoreNotFound(err), ErrBadCode)
	}
	step, ok := matchStep(sec, code, s.now())
	if !ok {
		return ErrBadCode
	}
	accepted, err := s.opt.Store.AcceptTOTPStep(ctx, u.OrgID, u.ID, step, false, nil)
	if err != nil {
		return err
	}
	if !accepted {
		return ErrCodeReplayed
	}
	return nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	return err
}

// TOTPStatus reports whether the user has TOTP and how many recovery
// codes are left.
func (s *Service) TOTPStatus(ctx context.Context, u db.User) (TOTPStatus, error) {
	t, err := s.opt.Store.UserTOTP(ctx, u.OrgID, u.ID)
	if errors.Is(err, db.ErrNotFound) {
		return TOTPStatus{}, nil
	}
	if err != nil {
		return TOTPStatus{}, err
	}
	st := TOTPStatus{Enabled: !t.ConfirmedAt.IsZero()}
	st.RecoveryLeft, err = s.opt.Store.UnusedRecoveryCodes(ctx, u.OrgID, u.ID)
	return st, err
}

// DisableTOTP removes the user's TOTP and recovery codes after checking a
// current code (or a recovery code).
func (s *Service) DisableTOTP(ctx context.Context, sess Session, code string) error {
	if err := s.admitCode(ctx, sess.User); err != nil {
		return err
	}
	if err := s.checkCode(ctx, sess.User, code); err != nil {
		return err
	}
	if err := s.opt.Store.ClearFactorFailures(ctx, sess.User.OrgID, sess.User.ID); err != nil {
		return err
	}
	s.opt.Logger.Info("TOTP removed", "user_id", sess.User.ID)
	return s.opt.Store.DeleteTOTP(ctx, sess.User.OrgID, sess.User.ID)
}

// NewRecoveryCodes replaces the user's recovery codes.
func (s *Service) NewRecoveryCodes(ctx context.Context, u db.User) ([]string, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	return codes, s.opt.Store.ReplaceRecoveryCodes(ctx, u.OrgID, u.ID, hashes)
}

// newRecoveryCodes makes ten codes of 80 random bits, written
// XXXX-XXXX-XXXX-XXXX, and their hashes.
func newRecoveryCodes() (codes, hashes []string, err error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range recoveryCount {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		c := enc.EncodeToString(b)
		codes = append(codes, c[0:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:16])
		hashes = append(hashes, secret.HashToken(c))
	}
	return codes, hashes, nil
}

// isRecoveryCode tells a recovery code from a 6-digit TOTP code.
func isRecoveryCode(code string) bool { return len(normalizeRecovery(code)) == 16 }

func normalizeRecovery(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '2' && r <= '7':
			return r
		}
		return -1
	}, code)
}
