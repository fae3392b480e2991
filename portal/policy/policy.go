// Package policy owns the settings an organisation's admins give its units.
//
// A setting is a name with a value per unit. A unit that has no value of
// its own inherits its parent's, and so on up to the root unit; when no
// unit on the way sets it, the setting's default (in code, below) applies.
// Values are stored as text in the unit_settings table (db) and parsed
// here, so that adding a setting needs no migration: issue 6 adds admin
// pages and more settings to Definitions.
package policy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sluis/db"
)

// Names of the settings.
const (
	WebSending          = "web_sending"           // senders may send from the web app
	RequireSecondFactor = "require_second_factor" // users must sign in with TOTP or a passkey
	DraftRetention      = "draft_retention"       // how long a held draft is kept
)

// Definition is one setting: its default and how a value is checked.
type Definition struct {
	Name    string
	Default string
	Check   func(string) error
}

// Definitions are the settings Sluis knows, by name.
var Definitions = map[string]Definition{
	WebSending:          {WebSending, "true", checkBool},
	RequireSecondFactor: {RequireSecondFactor, "false", checkBool},
	DraftRetention:      {DraftRetention, "336h", checkDays},
}

// ErrUnknownSetting: no setting has this name.
var ErrUnknownSetting = errors.New("policy: unknown setting")

func checkBool(v string) error {
	_, err := strconv.ParseBool(v)
	return err
}

func checkDays(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Hour || d > 366*24*time.Hour {
		return fmt.Errorf("policy: %q is not a duration between 1h and 366 days", v)
	}
	return nil
}

// Settings are the values that apply to one unit after inheritance.
type Settings struct {
	WebSending          bool
	RequireSecondFactor bool
	DraftRetention      time.Duration
}

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
	st := Settings{}
	st.WebSending, _ = strconv.ParseBool(v[WebSending])
	st.RequireSecondFactor, _ = strconv.ParseBool(v[RequireSecondFactor])
	if st.DraftRetention, err = time.ParseDuration(v[DraftRetention]); err != nil {
		st.DraftRetention, _ = time.ParseDuration(Definitions[DraftRetention].Default)
	}
	return st, nil
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
	return s.store.SetUnitSetting(ctx, orgID, unitID, name, value, actor)
}

// Inherit removes a unit's own value, so that it inherits again.
func (s *Service) Inherit(ctx context.Context, orgID, unitID int64, name string) error {
	if _, ok := Definitions[name]; !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSetting, name)
	}
	return s.store.ClearUnitSetting(ctx, orgID, unitID, name)
}
