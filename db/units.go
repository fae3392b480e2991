package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Unit is a node of an organisation's unit tree. The root unit (ParentID 0)
// is the organisation itself.
type Unit struct {
	ID        int64
	OrgID     int64
	ParentID  int64
	Name      string
	CreatedAt time.Time
}

func scanUnit(r interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	var parent *int64
	var created int64
	err := r.Scan(&u.ID, &u.OrgID, &parent, &u.Name, &created)
	if parent != nil {
		u.ParentID = *parent
	}
	u.CreatedAt = fromMicros(created)
	return u, mapError(err)
}

const unitColumns = `id, org_id, parent_id, name, created_at`

// CreateUnit adds a unit under parent (which must be in the same organisation).
func (s *Store) CreateUnit(ctx context.Context, orgID, parentID int64, name string) (Unit, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return Unit{}, invalid("name", "bad_name", clip(name))
	}
	if _, err := s.Unit(ctx, orgID, parentID); err != nil {
		return Unit{}, fmt.Errorf("parent unit: %w", err)
	}
	u := Unit{OrgID: orgID, ParentID: parentID, Name: name, CreatedAt: s.now().UTC()}
	id, err := s.writer().insert(ctx, `INSERT INTO units (org_id, parent_id, name, created_at) VALUES (?, ?, ?, ?)`,
		orgID, parentID, name, micros(u.CreatedAt))
	if err != nil {
		return Unit{}, fmt.Errorf("creating unit: %w", err)
	}
	u.ID = id
	return u, nil
}

// Unit returns one unit of an organisation.
func (s *Store) Unit(ctx context.Context, orgID, id int64) (Unit, error) {
	u, err := scanUnit(s.reader().queryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Unit{}, fmt.Errorf("unit %d: %w", id, err)
	}
	return u, nil
}

// Units lists an organisation's units, root first, then by id.
func (s *Store) Units(ctx context.Context, orgID int64) ([]Unit, error) {
	rows, err := s.reader().query(ctx, `SELECT `+unitColumns+` FROM units WHERE org_id = ?
		ORDER BY CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UnitPath returns the chain from the root to the unit: the order in which
// inherited settings are resolved.
func (s *Store) UnitPath(ctx context.Context, orgID, id int64) ([]Unit, error) {
	units, err := s.Units(ctx, orgID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Unit, len(units))
	for _, u := range units {
		byID[u.ID] = u
	}
	var path []Unit
	for cur, ok := byID[id]; ok; cur, ok = byID[cur.ParentID] {
		path = append([]Unit{cur}, path...)
		if len(path) > len(units) {
			return nil, fmt.Errorf("unit %d: cycle in unit tree", id)
		}
	}
	if len(path) == 0 {
		return nil, fmt.Errorf("unit %d: %w", id, ErrNotFound)
	}
	return path, nil
}

// RenameUnit renames a unit.
func (s *Store) RenameUnit(ctx context.Context, orgID, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return invalid("name", "bad_name", clip(name))
	}
	return s.expectOne(s.writer().exec(ctx, `UPDATE units SET name = ? WHERE org_id = ? AND id = ?`, name, orgID, id))
}

// MoveUnit gives a unit a new parent; it refuses to move the root or to
// put a unit below itself.
func (s *Store) MoveUnit(ctx context.Context, orgID, id, newParent int64) error {
	path, err := s.UnitPath(ctx, orgID, newParent)
	if err != nil {
		return fmt.Errorf("new parent: %w", err)
	}
	for _, u := range path {
		if u.ID == id {
			return invalid("parent", "cycle", "")
		}
	}
	u, err := s.Unit(ctx, orgID, id)
	if err != nil {
		return err
	}
	if u.ParentID == 0 {
		return invalid("unit", "is_root", "")
	}
	return s.expectOne(s.writer().exec(ctx, `UPDATE units SET parent_id = ? WHERE org_id = ? AND id = ?`, newParent, orgID, id))
}

// DeleteUnit removes a unit that has no users and no child units.
func (s *Store) DeleteUnit(ctx context.Context, orgID, id int64) error {
	u, err := s.Unit(ctx, orgID, id)
	if err != nil {
		return err
	}
	if u.ParentID == 0 {
		return invalid("unit", "is_root", "")
	}
	return s.InTx(ctx, func(tx *Tx) error {
		var n int
		err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE unit_id = ?) + (SELECT COUNT(*) FROM units WHERE parent_id = ?)`, id, id).Scan(&n)
		if err != nil {
			return mapError(err)
		}
		if n > 0 {
			return fmt.Errorf("unit %d has users or units: %w", id, ErrInUse)
		}
		_, err = tx.exec(ctx, `DELETE FROM units WHERE org_id = ? AND id = ?`, orgID, id)
		return err
	})
}

// expectOne turns "no row changed" into ErrNotFound.
func (s *Store) expectOne(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
