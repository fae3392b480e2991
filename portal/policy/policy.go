// Package policy owns the settings an organisation's admins give its units.
//
// A setting is a name with a value per unit. A unit that has no value of
// its own inherits its parent's, and so on up to the root unit; when no
// unit on the way sets it, the setting's default (in code, below) applies.
// Values are stored as text in the unit_settings table (db) and parsed
// here, so that adding a setting needs no migration. A change applies at
// once: nothing caches a unit's settings.
package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sluis/db"
)

// Names of the settings.
const (
	Verification        = "verification"           // external recipients must verify: always or never
	MethodsAllowed      = "methods"                // verification methods allowed: sms, access_code
	DefaultMethod       = "default_method"         // the method for recipients without data
	WebSending          = "web_sending"            // senders may send from the web app
	RequireSecondFactor = "require_second_factor"  // users must sign in with TOTP or a passkey
	MessageRetention    = "message_retention"      // how long a released message's content is kept
	DraftRetention      = "draft_retention"        // how long a held draft is kept
	MaxMessageSize      = "max_message_size"       // the largest message a sender may submit, in MB
	ReadReceipts        = "read_receipts"          // off, internal_allowlist or any
	ReceiptAllowlist    = "read_receipt_allowlist" // external addresses receipts may go to
	ReceiptAsk          = "read_receipt_ask"       // internal_allowlist mode: ask the reader each time
	RememberDevice      = "remember_device"        // days a recipient's device may be remembered (0: never)
)

// Names lists the settings in the order the admin page shows them.
var Names = []string{Verification, MethodsAllowed, DefaultMethod, WebSending, RequireSecondFactor,
	MessageRetention, DraftRetention, MaxMessageSize, ReadReceipts, ReceiptAllowlist, ReceiptAsk, RememberDevice}

// Definition is one setting: its default and how a value is checked.
type Definition struct {
	Name    string
	Default string
	Check   func(string) error
}

// Definitions are the settings Sluis knows, by name.
var Definitions = map[string]Definition{
	Verification:        {Verification, VerifyAlways, checkOneOf(VerifyAlways, VerifyNever)},
	MethodsAllowed:      {MethodsAllowed, "sms,access_code", checkMethods},
	DefaultMethod:       {DefaultMethod, MethodNone, checkOneOf(MethodNone, MethodSMS, MethodAccessCode)},
	WebSending:          {WebSending, "true", checkBool},
	RequireSecondFactor: {RequireSecondFactor, "false", checkBool},
	MessageRetention:    {MessageRetention, "720h", checkDays},
	DraftRetention:      {DraftRetention, "336h", checkDays},
	MaxMessageSize:      {MaxMessageSize, "50", checkSize}, // the intake's own default: a unit may only lower it
	ReadReceipts:        {ReadReceipts, ReceiptsOff, checkOneOf(ReceiptsOff, ReceiptsInternal, ReceiptsAny)},
	ReceiptAllowlist:    {ReceiptAllowlist, "", checkAllowlist},
	ReceiptAsk:          {ReceiptAsk, "true", checkBool},
	RememberDevice:      {RememberDevice, "30", checkRememberDays},
}

// ErrUnknownSetting: no setting has this name.
var ErrUnknownSetting = errors.New("policy: unknown setting")

func checkBool(v string) error {
	if v != "true" && v != "false" {
		return &ValueError{Reason: "bad_bool"}
	}
	return nil
}

func checkDays(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour || d > 366*24*time.Hour {
		return &ValueError{Reason: "bad_duration"}
	}
	return nil
}

// Settings are the values that apply to one unit after inheritance.
type Settings struct {
	Verification        string   // VerifyAlways or VerifyNever
	Methods             []string // allowed methods, of MethodSMS and MethodAccessCode
	DefaultMethod       string   // MethodNone, MethodSMS or MethodAccessCode
	WebSending          bool
	RequireSecondFactor bool
	MessageRetention    time.Duration
	DraftRetention      time.Duration
	MaxMessageSize      int64 // bytes
	Receipts            ReceiptPolicy
	RememberDeviceDays  int // 0: recipients' devices are never remembered
}

// Allows reports whether the unit allows a verification method.
func (st Settings) Allows(method string) bool { return slices.Contains(st.Methods, method) }

// Service reads and writes unit settings.
type Service struct {
	store *db.Store
}

// New returns a Service on store.
func New(store *db.Store) *Service { return &Service{store: store} }

// Values returns every setting's value for a unit, after inheritance.
func (s *Service) Values(ctx context.Context, orgID, unitID int64) (map[string]string, error) {
	path, err := s.store.UnitPath(ctx, orgID, unitID)
	if err != nil {
		return nil, err
	}
	own, err := s.store.UnitSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(Definitions))
	for name, d := range Definitions {
		out[name] = d.Default
	}
	for _, u := range path { // root first: the nearest unit wins
		for name, v := range own[u.ID] {
			if _, known := Definitions[name]; known {
				out[name] = v
			}
		}
	}
	return out, nil
}

// For returns the settings that apply to a unit.
func (s *Service) For(ctx context.Context, orgID, unitID int64) (Settings, error) {
	v, err := s.Values(ctx, orgID, unitID)
	if err != nil {
		return Settings{}, fmt.Errorf("settings of unit %d: %w", unitID, err)
	}
	return parse(v), nil
}

// parse turns checked values into Settings; a value that no longer
// parses (written by hand, say) falls back to the default.
func parse(v map[string]string) Settings {
	for name, d := range Definitions {
		if d.Check(v[name]) != nil {
			v[name] = d.Default
		}
	}
	st := Settings{Verification: v[Verification], Methods: splitList(v[MethodsAllowed]), DefaultMethod: v[DefaultMethod]}
	st.WebSending, _ = strconv.ParseBool(v[WebSending])
	st.RequireSecondFactor, _ = strconv.ParseBool(v[RequireSecondFactor])
	st.MessageRetention, _ = time.ParseDuration(v[MessageRetention])
	st.DraftRetention, _ = time.ParseDuration(v[DraftRetention])
	mb, _ := strconv.ParseInt(v[MaxMessageSize], 10, 64)
	st.MaxMessageSize = mb << 20
	st.Receipts.Mode = v[ReadReceipts]
	st.Receipts.Allowlist = splitList(v[ReceiptAllowlist])
	st.Receipts.Ask, _ = strconv.ParseBool(v[ReceiptAsk])
	st.RememberDeviceDays, _ = strconv.Atoi(v[RememberDevice])
	return st
}

// Set gives a unit its own value of a setting; actor names who did it.
func (s *Service) Set(ctx context.Context, orgID, unitID int64, name, value, actor string) error {
	d, ok := Definitions[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSetting, name)
	}
	if err := d.Check(value); err != nil {
		return err
	}
	return s.store.SetUnitSetting(ctx, orgID, unitID, name, normalize(name, value), actor)
}

// Inherit removes a unit's own value, so that it inherits again.
func (s *Service) Inherit(ctx context.Context, orgID, unitID int64, name string) error {
	if _, ok := Definitions[name]; !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSetting, name)
	}
	return s.store.ClearUnitSetting(ctx, orgID, unitID, name)
}
