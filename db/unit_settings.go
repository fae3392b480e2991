package db

import (
	"context"
	"fmt"
)

// UnitSetting is one unit's own value of one setting.
type UnitSetting struct {
	UnitID int64
	Name   string
	Value  string
}

// UnitSettings returns the settings the units of an organisation set
// themselves, by unit id and name.
func (s *Store) UnitSettings(ctx context.Context, orgID int64) (map[int64]map[string]string, error) {
	rows, err := s.reader().query(ctx, `SELECT unit_id, name, value FROM unit_settings WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("reading unit settings: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]string{}
	for rows.Next() {
		var us UnitSetting
		if err := rows.Scan(&us.UnitID, &us.Name, &us.Value); err != nil {
			return nil, err
		}
		if out[us.UnitID] == nil {
			out[us.UnitID] = map[string]string{}
		}
		out[us.UnitID][us.Name] = us.Value
	}
	return out, rows.Err()
}

// SetUnitSetting gives a unit its own value of a setting; actor says who.
func (s *Store) SetUnitSetting(ctx context.Context, orgID, unitID int64, name, value, actor string) error {
	if _, err := s.Unit(ctx, orgID, unitID); err != nil {
		return err
	}
	_, err := s.writer().exec(ctx, `INSERT INTO unit_settings (org_id, unit_id, name, value, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (unit_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		orgID, unitID, name, value, micros(s.now()), clip(actor))
	if err != nil {
		return fmt.Errorf("setting %s of unit %d: %w", name, unitID, err)
	}
	return nil
}

// ClearUnitSetting removes a unit's own value: it inherits again.
func (s *Store) ClearUnitSetting(ctx context.Context, orgID, unitID int64, name string) error {
	_, err := s.writer().exec(ctx, `DELETE FROM unit_settings WHERE org_id = ? AND unit_id = ? AND name = ?`, orgID, unitID, name)
	return err
}
