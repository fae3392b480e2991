package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/sync/semaphore"

	"sluis/db"
	"sluis/portal/policy"
	"sluis/portal/secret"
	"sluis/portal/vault"
)

// Errors; portal shows each as a translated message.
var (
	// ErrBadCredentials: unknown address, disabled user or wrong password
	// (deliberately one error).
	ErrBadCredentials = errors.New("auth: wrong address or password")
	ErrBadCode        = errors.New("auth: wrong code")
	ErrCodeReplayed   = errors.New("auth: this code was used already")
	ErrNoSession      = errors.New("auth: no valid session")
	ErrTOTPEnabled    = errors.New("auth: TOTP is set up already")
	ErrNotEnrolling   = errors.New("auth: no TOTP enrolment in progress")
	ErrPasswordRules  = errors.New("auth: the new password does not meet the rules")
	ErrPasskeysOff    = errors.New("auth: passkeys are not configured")
	ErrPasskey        = errors.New("auth: the passkey could not be verified")
	ErrBusy           = errors.New("auth: too many sign-ins at once")
	// ErrSignedOut: since the user signed in, they were disabled or
	// removed, or their password changed (Recheck).
	ErrSignedOut = errors.New("auth: the account changed since signing in")
)

// ThrottledError: too many failures; try again after Until.
type ThrottledError struct{ Until time.Time }

func (e *ThrottledError) Error() string { return "auth: too many failed attempts" }

// Options are the Service's dependencies and settings.
type Options struct {
	Store  *db.Store
	Vault  *vault.Vault    // seals TOTP secrets
	Policy *policy.Service // whether a unit requires a second factor
	Logger *slog.Logger
	Now    func() time.Time
	// Issuer names Sluis in authenticator apps (default "Sluis").
	Issuer string
	// RPID is the WebAuthn relying party id: the portal's host name (never
	// an IP address). "" turns passkeys off. RPOrigins are the origins
	// passkeys may be used from (the base URL's).
	RPID      string
	RPOrigins []string
	// SessionIdle and SessionMax end sessions (default 30 minutes and 12 hours).
	SessionIdle, SessionMax time.Duration
	// Hash is the argon2id cost of new password hashes (default secret.OWASP).
	Hash secret.Params
	// Sleep waits out the delay of a sign-in let through a locked address
	// (default: a timer that ends early with ctx); tests record instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Service signs users in.
type Service struct {
	opt   Options
	wa    *webauthn.WebAuthn // nil: passkeys off
	sem   *semaphore.Weighted
	dummy string // hash of a random password, for unknown addresses
}

// New returns a Service.
func New(opt Options) (*Service, error) {
	if opt.Store == nil || opt.Vault == nil || opt.Policy == nil {
		return nil, errors.New("auth needs the store, the vault and the policy")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Issuer == "" {
		opt.Issuer = "Sluis"
	}
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 30 * time.Minute
	}
	if opt.SessionMax <= 0 {
		opt.SessionMax = 12 * time.Hour
	}
	if opt.Hash == (secret.Params{}) {
		opt.Hash = secret.OWASP
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	s := &Service{opt: opt, sem: semaphore.NewWeighted(int64(max(2, runtime.NumCPU())))}
	var err error
	if s.dummy, err = secret.HashWith(opt.Hash, randomText()); err != nil {
		return nil, err
	}
	if opt.RPID != "" {
		s.wa, err = webauthn.New(&webauthn.Config{RPID: opt.RPID, RPDisplayName: opt.Issuer, RPOrigins: opt.RPOrigins})
		if err != nil {
			return nil, fmt.Errorf("passkeys: %w", err)
		}
	}
	return s, nil
}

// PasskeysEnabled reports whether passkeys are configured.
func (s *Service) PasskeysEnabled() bool { return s.wa != nil }

func (s *Service) now() time.Time { return s.opt.Now().UTC() }
