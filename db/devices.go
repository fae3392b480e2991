package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Device is a recipient's remembered device: the SHA-256 of the token its
// cookie holds, bound to one organisation and one recipient address, and
// an HMAC (Proof) of the verification data the code proved.
type Device struct {
	ID         int64
	TokenHash  string
	OrgID      int64
	Address    string
	Proof      string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
}

const deviceColumns = `id, token_hash, org_id, address, proof, created_at, last_used_at, expires_at`

func scanDevice(r interface{ Scan(...any) error }) (Device, error) {
	var d Device
	var created, used, expires int64
	err := r.Scan(&d.ID, &d.TokenHash, &d.OrgID, &d.Address, &d.Proof, &created, &used, &expires)
	d.CreatedAt, d.LastUsedAt, d.ExpiresAt = fromMicros(created), fromMicros(used), fromMicros(expires)
	return d, mapError(err)
}

// domainOf is the part of an address after its last @.
func domainOf(address string) string {
	return strings.ToLower(address[strings.LastIndexByte(address, '@')+1:])
}

// AddDevice stores a remembered device and removes the organisation's
// expired ones.
func (t *Tx) AddDevice(ctx context.Context, d *Device) error {
	if _, err := t.exec(ctx, `DELETE FROM remembered_devices WHERE org_id = ? AND expires_at <= ?`,
		d.OrgID, micros(d.CreatedAt)); err != nil {
		return fmt.Errorf("removing expired devices: %w", err)
	}
	var err error
	d.ID, err = t.insert(ctx, `INSERT INTO remembered_devices (token_hash, org_id, address, domain, proof, created_at, last_used_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.TokenHash, d.OrgID, d.Address, domainOf(d.Address), d.Proof,
		micros(d.CreatedAt), micros(d.LastUsedAt), micros(d.ExpiresAt))
	if err != nil {
		return fmt.Errorf("remembering a device: %w", err)
	}
	return nil
}

// DeviceByToken returns the organisation's device whose token hashes to
// tokenHash; a device of another organisation is ErrNotFound.
func (s *Store) DeviceByToken(ctx context.Context, orgID int64, tokenHash string) (Device, error) {
	d, err := scanDevice(s.reader().queryRow(ctx, `SELECT `+deviceColumns+` FROM remembered_devices
		WHERE org_id = ? AND token_hash = ?`, orgID, tokenHash))
	if err != nil {
		return Device{}, fmt.Errorf("remembered device: %w", err)
	}
	return d, nil
}

// TouchDevice records a use of a device.
func (t *Tx) TouchDevice(ctx context.Context, orgID, id int64, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE remembered_devices SET last_used_at = ? WHERE org_id = ? AND id = ?`, micros(at), orgID, id)
	return err
}

// DeleteDevice removes one device of the organisation; ErrNotFound when
// there is none with that id.
func (t *Tx) DeleteDevice(ctx context.Context, orgID, id int64) error {
	return t.s.expectOne(t.exec(ctx, `DELETE FROM remembered_devices WHERE org_id = ? AND id = ?`, orgID, id))
}

// DeleteDevicesOf removes every device remembered for an address of the
// organisation and returns how many there were.
func (t *Tx) DeleteDevicesOf(ctx context.Context, orgID int64, address string) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM remembered_devices WHERE org_id = ? AND address = ?`, orgID, address)
	if err != nil {
		return 0, fmt.Errorf("forgetting the devices of an address: %w", err)
	}
	return res.RowsAffected()
}

// deleteDevicesOfDomain removes every device remembered for an address
// at domain in the organisation.
func (t *Tx) deleteDevicesOfDomain(ctx context.Context, orgID int64, domain string) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM remembered_devices WHERE org_id = ? AND domain = ?`, orgID, strings.ToLower(domain))
	if err != nil {
		return 0, fmt.Errorf("forgetting the devices of a domain: %w", err)
	}
	return res.RowsAffected()
}

// Devices lists the organisation's live remembered devices, newest first.
func (s *Store) Devices(ctx context.Context, orgID int64, now time.Time) ([]Device, error) {
	rows, err := s.reader().query(ctx, `SELECT `+deviceColumns+` FROM remembered_devices
		WHERE org_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 500`, orgID, micros(now))
	if err != nil {
		return nil, fmt.Errorf("listing remembered devices: %w", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Device returns one device of the organisation.
func (s *Store) Device(ctx context.Context, orgID, id int64) (Device, error) {
	d, err := scanDevice(s.reader().queryRow(ctx, `SELECT `+deviceColumns+` FROM remembered_devices
		WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Device{}, fmt.Errorf("remembered device %d: %w", id, err)
	}
	return d, nil
}

// forgetDevicesOnChange ends the devices a change of an address-book entry
// makes stale: a new number or access code means the code a device once
// proved no longer proves the address. It runs in the change's
// transaction and records the revocation there.
func (t *Tx) forgetDevicesOnChange(ctx context.Context, c Contact, diffs []fieldDiff, ch Change) error {
	stale := false
	for _, d := range diffs {
		stale = stale || d.field == "phone" || d.field == "access_code" || d.field == "entry"
	}
	if !stale {
		return nil
	}
	var n int64
	var err error
	if c.Kind == KindDomain {
		n, err = t.deleteDevicesOfDomain(ctx, c.OrgID, c.Email)
	} else {
		n, err = t.DeleteDevicesOf(ctx, c.OrgID, c.Email)
	}
	if err != nil || n == 0 {
		return err
	}
	actor := ch.Actor
	if actor == "" {
		actor = "system"
	}
	return t.AppendAudit(ctx, AuditEvent{OrgID: c.OrgID, Actor: actor, Kind: "device.revoke", Target: "address:" + c.Email,
		Detail: fmt.Sprintf("%d device(s): verification data changed in the address book (%s)", n, ch.Source)})
}
