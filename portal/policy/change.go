package policy

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"sluis/db"
)

// Resolved is one setting as it applies to a unit, and where its value
// comes from: the unit itself (Own), an ancestor (From), or the default
// (From.ID 0).
type Resolved struct {
	Name  string
	Value string
	Own   bool
	From  db.Unit
}

// Resolve returns every setting of a unit in Names order, with its origin.
func (s *Service) Resolve(ctx context.Context, orgID, unitID int64) ([]Resolved, error) {
	path, err := s.store.UnitPath(ctx, orgID, unitID)
	if err != nil {
		return nil, err
	}
	own, err := s.store.UnitSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]Resolved, 0, len(Names))
	for _, name := range Names {
		r := Resolved{Name: name, Value: Definitions[name].Default}
		for _, u := range path { // root first: the nearest unit wins
			if v, ok := own[u.ID][name]; ok {
				r.Value, r.From, r.Own = v, u, u.ID == unitID
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Change is an admin's change of one unit's setting: a new own value, or
// (Inherit) the removal of the unit's own value.
type Change struct {
	OrgID   int64
	UnitID  int64
	Name    string
	Value   string
	Inherit bool
	// Audit is the event to record with the change (actor, IP); Apply
	// fills in kind, target, before and after.
	Audit db.AuditEvent
}

// Apply makes the change and writes its audit event, with the unit's
// own value before and after, in the same transaction. It applies at
// once: the next read of the unit's settings sees it.
func (s *Service) Apply(ctx context.Context, ch Change) error { return s.ApplyAll(ctx, []Change{ch}) }

// ApplyAll makes several changes (one section of the policy page) in one
// transaction, each with its own audit event: all or none. Every value is
// checked before anything is written; the first rejected one is the error.
func (s *Service) ApplyAll(ctx context.Context, changes []Change) error {
	for _, ch := range changes {
		d, ok := Definitions[ch.Name]
		if !ok {
			return fmt.Errorf("%w: %q", ErrUnknownSetting, ch.Name)
		}
		if !ch.Inherit {
			if err := d.Check(ch.Value); err != nil {
				return err
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	own, err := s.store.UnitSettings(ctx, changes[0].OrgID)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		for _, ch := range changes {
			value := normalize(ch.Name, ch.Value)
			before, had := own[ch.UnitID][ch.Name]
			e := ch.Audit
			e.OrgID, e.Kind, e.Target = ch.OrgID, "policy.change", "unit:"+strconv.FormatInt(ch.UnitID, 10)
			e.Before, e.After = describe(ch.Name, before, had), describe(ch.Name, value, !ch.Inherit)
			var err error
			if ch.Inherit {
				err = tx.ClearUnitSetting(ctx, ch.OrgID, ch.UnitID, ch.Name)
			} else {
				err = tx.SetUnitSetting(ctx, ch.OrgID, ch.UnitID, ch.Name, value, e.Actor)
			}
			if err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Normalize writes a value of the named setting the one way it is
// stored, so that a form can tell a change from the same value retyped.
func Normalize(name, value string) string { return normalize(name, value) }

// describe is a setting's side of an audit event: "name=value", or
// "name inherited" when the unit has no value of its own.
func describe(name, value string, own bool) string {
	if !own {
		return name + " inherited"
	}
	return name + "=" + value
}

// IsValueError reports whether err is a rejected value, and its reason.
func IsValueError(err error) (*ValueError, bool) {
	var ve *ValueError
	ok := errors.As(err, &ve)
	return ve, ok
}
