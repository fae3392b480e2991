package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"sluis/db"
	"sluis/portal/i18n"
	"sluis/portal/mailer"
	"sluis/portal/policy"
	"sluis/portal/sms"
)

// Errors the checks return; portal turns each into a translated message.
var (
	ErrWrongMethod   = errors.New("verify: the recipient does not verify this way")
	ErrMalformedCode = errors.New("verify: the code is not in the right form")
	ErrWrongCode     = errors.New("verify: wrong code")
	ErrNoCode        = errors.New("verify: no code can be entered now (none sent, expired, used or ended)")
	ErrLocked        = errors.New("verify: the recipient is locked")
	ErrTooSoon       = errors.New("verify: a new code cannot be sent yet")
	ErrHourlyLimit   = errors.New("verify: too many codes this hour")
	ErrDailyCap      = errors.New("verify: the organisation's daily text cap is reached")
	ErrCountry       = errors.New("verify: texts to this country are not allowed")
	ErrSendFailed    = errors.New("verify: the code could not be sent (text or mail)")
	ErrBusy          = errors.New("verify: too many checks at once")
	ErrAlreadyAsked  = errors.New("verify: the sender was told recently")
	ErrNoSession     = errors.New("verify: no valid session")
)

// Limits are the verification rules (DESIGN, "Verification rules").
type Limits struct {
	CodeTTL      time.Duration // an SMS code's life (10 minutes)
	CodeAttempts int           // wrong entries that end a code (5)
	Resend       time.Duration // least time between two codes (1 minute)
	PerHour      int           // most codes in any hour (5)
	LockAfter    int           // consecutive failures that lock (20)
	ForgotEvery  time.Duration // least time between two "I don't remember" mails (1 hour)
	SessionIdle  time.Duration // a session ends after this long unused (30 minutes)
	SessionMax   time.Duration // and after this long in any case (12 hours)
}

// DefaultLimits are DESIGN's rules.
var DefaultLimits = Limits{
	CodeTTL: 10 * time.Minute, CodeAttempts: 5, Resend: time.Minute, PerHour: 5, LockAfter: 20,
	ForgotEvery: time.Hour, SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour,
}

// DefaultCountries are the regions texts may go to unless configured.
var DefaultCountries = []string{"NL", "BE", "FR", "DE", "LU"}

// DefaultDailyCap is the texts an organisation may send per UTC day.
const DefaultDailyCap = 1000

// Notifier enqueues the mails verification causes, inside the
// transaction that records why (portal/delivery implements it).
type Notifier interface {
	// NotifyLocked tells the sender that a recipient was locked.
	NotifyLocked(ctx context.Context, tx *db.Tx, rc db.Recipient) error
	// NotifyForgotten tells the sender that a recipient lost the access code.
	NotifyForgotten(ctx context.Context, tx *db.Tx, rc db.Recipient) error
}

// Options are the Service's dependencies and settings.
type Options struct {
	Store *db.Store
	SMS   sms.Sender
	// Mail delivers codes mailed to recipients of method mail (the relay
	// or the dev outbox), from MailFrom; without it such codes fail to
	// send (ErrSendFailed) and are logged.
	Mail       mailer.Sender
	MailFrom   string
	CodeKey    []byte // HMAC key for SMS codes, derived from the master key
	Notifier   Notifier
	Text       *i18n.Bundle
	Logger     *slog.Logger
	Now        func() time.Time
	Limits     Limits   // zero fields take DefaultLimits'
	DailyCap   int      // texts per organisation per UTC day; 0: DefaultDailyCap
	Countries  []string // ISO 3166 regions texts may go to; nil: DefaultCountries
	MaxHashing int      // argon2id checks at once; 0: GOMAXPROCS
	HashWait   time.Duration
	// Policy gives each unit's "remember this device" period; nil means
	// devices are never remembered.
	Policy *policy.Service
}

// Service checks recipients and keeps their sessions.
type Service struct {
	opt       Options
	lim       Limits
	countries map[string]bool
	hashing   *semaphore.Weighted
}

// New returns a Service; it refuses a missing store, gateway, key or notifier.
func New(opt Options) (*Service, error) {
	switch {
	case opt.Store == nil, opt.SMS == nil, opt.Notifier == nil, opt.Text == nil:
		return nil, errors.New("verify: store, SMS gateway, notifier and translator are required")
	case len(opt.CodeKey) < 32:
		return nil, errors.New("verify: the code key must have at least 32 bytes")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.DailyCap <= 0 {
		opt.DailyCap = DefaultDailyCap
	}
	if opt.MaxHashing <= 0 {
		opt.MaxHashing = runtime.GOMAXPROCS(0)
	}
	if opt.HashWait <= 0 {
		opt.HashWait = 5 * time.Second
	}
	countries, err := countrySet(opt.Countries)
	if err != nil {
		return nil, err
	}
	return &Service{opt: opt, lim: withDefaults(opt.Limits), countries: countries,
		hashing: semaphore.NewWeighted(int64(opt.MaxHashing))}, nil
}

func withDefaults(l Limits) Limits {
	d := DefaultLimits
	orDefault(&l.CodeTTL, d.CodeTTL)
	orDefault(&l.Resend, d.Resend)
	orDefault(&l.ForgotEvery, d.ForgotEvery)
	orDefault(&l.SessionIdle, d.SessionIdle)
	orDefault(&l.SessionMax, d.SessionMax)
	orDefault(&l.CodeAttempts, d.CodeAttempts)
	orDefault(&l.PerHour, d.PerHour)
	orDefault(&l.LockAfter, d.LockAfter)
	return l
}

// orDefault sets *v to def unless it is positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ParseCountries reads a comma-separated list of ISO 3166 regions
// ("NL,BE,FR"), for --sms-countries.
func ParseCountries(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.ToUpper(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	_, err := countrySet(out)
	return out, err
}

func countrySet(list []string) (map[string]bool, error) {
	if list == nil {
		list = DefaultCountries
	}
	set := map[string]bool{}
	for _, c := range list {
		c = strings.ToUpper(strings.TrimSpace(c))
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return nil, fmt.Errorf("verify: %q is not a two-letter country code", c)
		}
		set[c] = true
	}
	return set, nil
}

// Limits returns the rules in force.
func (s *Service) Limits() Limits { return s.lim }

func (s *Service) now() time.Time { return s.opt.Now().UTC() }
