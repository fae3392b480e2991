package db

import (
	"context"
	"fmt"
	"time"
)

// LockedRecipient is a recipient locked after too many wrong codes, for
// the admins' unlock list.
type LockedRecipient struct {
	RecipientID int64
	Address     string
	MessageUID  string
	SenderEmail string
	LockedAt    time.Time
}

// LockedRecipients lists an organisation's locked recipients, newest first.
func (s *Store) LockedRecipients(ctx context.Context, orgID int64) ([]LockedRecipient, error) {
	rows, err := s.reader().query(ctx, `SELECT r.id, r.address, m.uid, u.email, c.locked_at
		FROM recipient_challenges c JOIN recipients r ON r.id = c.recipient_id
		JOIN messages m ON m.id = r.message_id JOIN users u ON u.id = m.sender_id
		WHERE c.org_id = ? AND c.locked_at IS NOT NULL ORDER BY c.locked_at DESC LIMIT 500`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing locked recipients: %w", err)
	}
	defer rows.Close()
	var out []LockedRecipient
	for rows.Next() {
		var l LockedRecipient
		var at int64
		if err := rows.Scan(&l.RecipientID, &l.Address, &l.MessageUID, &l.SenderEmail, &at); err != nil {
			return nil, err
		}
		l.LockedAt = fromMicros(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetUnitSetting gives a unit its own value of a setting inside a
// transaction (so that the change and its audit event commit together).
func (t *Tx) SetUnitSetting(ctx context.Context, orgID, unitID int64, name, value, actor string) error {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM units WHERE org_id = ? AND id = ?`, orgID, unitID).Scan(&n); err != nil {
		return mapError(err)
	}
	if n == 0 {
		return fmt.Errorf("unit %d: %w", unitID, ErrNotFound)
	}
	_, err := t.exec(ctx, `INSERT INTO unit_settings (org_id, unit_id, name, value, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (unit_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		orgID, unitID, name, value, micros(t.s.now()), clip(actor))
	if err != nil {
		return fmt.Errorf("setting %s of unit %d: %w", name, unitID, err)
	}
	return nil
}

// ClearUnitSetting removes a unit's own value inside a transaction.
func (t *Tx) ClearUnitSetting(ctx context.Context, orgID, unitID int64, name string) error {
	_, err := t.exec(ctx, `DELETE FROM unit_settings WHERE org_id = ? AND unit_id = ? AND name = ?`, orgID, unitID, name)
	return err
}
