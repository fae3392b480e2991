package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Group is a distribution address of an organisation with its members.
type Group struct {
	ID        int64
	OrgID     int64
	Address   string
	Name      string
	CreatedAt time.Time
}

// CreateGroup adds a distribution address at one of the organisation's domains.
func (s *Store) CreateGroup(ctx context.Context, orgID int64, addr, name string) (Group, error) {
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return Group{}, err
	}
	a, err := NormalizeAddress(addr)
	if err != nil {
		return Group{}, err
	}
	if !orgOwnsDomain(org, DomainOf(a)) {
		return Group{}, invalid("address", "not_org_domain", a)
	}
	g := Group{OrgID: orgID, Address: a, Name: strings.TrimSpace(name), CreatedAt: s.now().UTC()}
	err = s.InTx(ctx, func(tx *Tx) error {
		if err := tx.addressFree(ctx, a); err != nil {
			return err
		}
		g.ID, err = tx.insert(ctx, `INSERT INTO groups (org_id, address, name, created_at) VALUES (?, ?, ?, ?)`,
			orgID, a, g.Name, micros(g.CreatedAt))
		return err
	})
	if err != nil {
		return Group{}, fmt.Errorf("creating group %s: %w", a, err)
	}
	return g, nil
}

// AddGroupMember adds an address to a group of the organisation.
func (s *Store) AddGroupMember(ctx context.Context, orgID, groupID int64, member string) error {
	m, err := NormalizeAddress(member)
	if err != nil {
		return err
	}
	var n int
	if err := s.reader().queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE org_id = ? AND id = ?`, orgID, groupID).Scan(&n); err != nil {
		return mapError(err)
	}
	if n == 0 {
		return fmt.Errorf("group %d: %w", groupID, ErrNotFound)
	}
	_, err = s.writer().exec(ctx, `INSERT INTO group_members (group_id, address) VALUES (?, ?)`, groupID, m)
	return err
}

// GroupByAddress returns the organisation's group at addr, in any case
// (addresses are unique in any case; see UserByAddress).
func (s *Store) GroupByAddress(ctx context.Context, orgID int64, addr string) (Group, error) {
	a, err := NormalizeAddress(addr)
	if err != nil {
		return Group{}, ErrNotFound
	}
	var g Group
	var created int64
	err = s.reader().queryRow(ctx, `SELECT id, org_id, address, name, created_at FROM groups WHERE org_id = ? AND lower(address) = lower(?)`, orgID, a).
		Scan(&g.ID, &g.OrgID, &g.Address, &g.Name, &created)
	g.CreatedAt = fromMicros(created)
	if err != nil {
		return Group{}, fmt.Errorf("group %s: %w", a, mapError(err))
	}
	return g, nil
}

// GroupMembers lists a group's member addresses.
func (s *Store) GroupMembers(ctx context.Context, orgID, groupID int64) ([]string, error) {
	return s.strings(ctx, `SELECT m.address FROM group_members m JOIN groups g ON g.id = m.group_id
		WHERE g.org_id = ? AND g.id = ? ORDER BY m.address`, orgID, groupID)
}
