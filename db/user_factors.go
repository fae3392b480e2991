package db

import (
	"context"
	"fmt"
	"time"
)

// TOTP is a user's TOTP enrolment; Secret is sealed by the caller.
type TOTP struct {
	UserID      int64
	OrgID       int64
	Secret      []byte
	ConfirmedAt time.Time // zero while enrolment waits for the first code
	LastStep    int64     // the last accepted time step
}

// PutPendingTOTP starts (or restarts) an enrolment: it stores an
// unconfirmed secret, and fails with ErrDuplicate when the user already
// has a confirmed one.
func (s *Store) PutPendingTOTP(ctx context.Context, orgID, userID int64, sealed []byte) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var confirmed *int64
		err := tx.queryRow(ctx, `SELECT confirmed_at FROM user_totp WHERE user_id = ?`, userID).Scan(&confirmed)
		switch {
		case mapError(err) == ErrNotFound:
		case err != nil:
			return mapError(err)
		case confirmed != nil:
			return fmt.Errorf("TOTP of user %d: %w", userID, ErrDuplicate)
		}
		if _, err := tx.exec(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `INSERT INTO user_totp (user_id, org_id, secret, last_step, created_at) VALUES (?, ?, ?, 0, ?)`,
			userID, orgID, sealed, micros(s.now()))
		return err
	})
}

// UserTOTP returns a user's TOTP enrolment, confirmed or not.
func (s *Store) UserTOTP(ctx context.Context, orgID, userID int64) (TOTP, error) {
	t := TOTP{UserID: userID, OrgID: orgID}
	var confirmed *int64
	err := s.reader().queryRow(ctx, `SELECT secret, confirmed_at, last_step FROM user_totp WHERE org_id = ? AND user_id = ?`,
		orgID, userID).Scan(&t.Secret, &confirmed, &t.LastStep)
	if err != nil {
		return TOTP{}, fmt.Errorf("TOTP of user %d: %w", userID, mapError(err))
	}
	if confirmed != nil {
		t.ConfirmedAt = fromMicros(*confirmed)
	}
	return t, nil
}

// AcceptTOTPStep records step as the last accepted one, only if it is
// later than the last; false means the code was used already (a replay).
// confirm also confirms a pending enrolment and replaces the recovery
// codes with codeHashes.
func (s *Store) AcceptTOTPStep(ctx context.Context, orgID, userID, step int64, confirm bool, codeHashes []string) (bool, error) {
	ok := false
	err := s.InTx(ctx, func(tx *Tx) error {
		q := `UPDATE user_totp SET last_step = ? WHERE org_id = ? AND user_id = ? AND last_step < ? AND confirmed_at IS NOT NULL`
		args := []any{step, orgID, userID, step}
		if confirm {
			q = `UPDATE user_totp SET last_step = ?, confirmed_at = ? WHERE org_id = ? AND user_id = ? AND last_step < ? AND confirmed_at IS NULL`
			args = []any{step, micros(s.now()), orgID, userID, step}
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		ok = true
		if confirm {
			return tx.replaceRecoveryCodes(ctx, orgID, userID, codeHashes)
		}
		return nil
	})
	return ok, err
}

// DeleteTOTP removes a user's TOTP and recovery codes.
func (s *Store) DeleteTOTP(ctx context.Context, orgID, userID int64) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.DeleteTOTP(ctx, orgID, userID) })
}

// DeleteTOTP is Store.DeleteTOTP inside a transaction.
func (t *Tx) DeleteTOTP(ctx context.Context, orgID, userID int64) error {
	if _, err := t.exec(ctx, `DELETE FROM user_totp WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM user_recovery_codes WHERE org_id = ? AND user_id = ?`, orgID, userID)
	return err
}

// ReplaceRecoveryCodes throws away a user's recovery codes and stores new ones.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, orgID, userID int64, hashes []string) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.replaceRecoveryCodes(ctx, orgID, userID, hashes) })
}

func (t *Tx) replaceRecoveryCodes(ctx context.Context, orgID, userID int64, hashes []string) error {
	if _, err := t.exec(ctx, `DELETE FROM user_recovery_codes WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return err
	}
	now := micros(t.s.now())
	for _, h := range hashes {
		if _, err := t.exec(ctx, `INSERT INTO user_recovery_codes (org_id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?)`,
			orgID, userID, h, now); err != nil {
			return fmt.Errorf("storing recovery code: %w", err)
		}
	}
	return nil
}

// UseRecoveryCode marks the unused code with this hash used; false when
// there is none (wrong, or used before).
func (s *Store) UseRecoveryCode(ctx context.Context, orgID, userID int64, hash string) (bool, error) {
	res, err := s.writer().exec(ctx, `UPDATE user_recovery_codes SET used_at = ? WHERE org_id = ? AND user_id = ? AND code_hash = ? AND used_at IS NULL`,
		micros(s.now()), orgID, userID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UnusedRecoveryCodes counts a user's unused recovery codes.
func (s *Store) UnusedRecoveryCodes(ctx context.Context, orgID, userID int64) (int, error) {
	var n int
	err := s.reader().queryRow(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE org_id = ? AND user_id = ? AND used_at IS NULL`,
		orgID, userID).Scan(&n)
	return n, mapError(err)
}

// WebAuthnHandle returns a user's WebAuthn user handle, storing newHandle
// as it when the user has none yet.
func (s *Store) WebAuthnHandle(ctx context.Context, orgID, userID int64, newHandle string) (string, error) {
	var h string
	err := s.InTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `SELECT handle FROM user_webauthn WHERE user_id = ?`, userID).Scan(&h)
		if mapError(err) != ErrNotFound {
			return mapError(err)
		}
		h = newHandle
		_, err = tx.exec(ctx, `INSERT INTO user_webauthn (user_id, org_id, handle) VALUES (?, ?, ?)`, userID, orgID, h)
		return err
	})
	return h, err
}

// UserByWebAuthnHandle finds the user a WebAuthn user handle belongs to.
func (s *Store) UserByWebAuthnHandle(ctx context.Context, handle string) (User, error) {
	u, err := scanUser(s.reader().queryRow(ctx, `SELECT `+userColumns+` FROM users
		WHERE id = (SELECT user_id FROM user_webauthn WHERE handle = ?)`, handle))
	if err != nil {
		return User{}, fmt.Errorf("user by passkey handle: %w", err)
	}
	return u, nil
}

// Passkey is one of a user's WebAuthn credentials.
type Passkey struct {
	ID           int64
	OrgID        int64
	UserID       int64
	CredentialID string // base64url
	Name         string
	Credential   string // go-webauthn's Credential, JSON
	CreatedAt    time.Time
	LastUsedAt   time.Time
}

// AddPasskey stores a new passkey.
func (s *Store) AddPasskey(ctx context.Context, p Passkey) (Passkey, error) {
	p.CreatedAt = s.now().UTC()
	id, err := s.writer().insert(ctx, `INSERT INTO user_passkeys (org_id, user_id, credential_id, name, credential, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, p.OrgID, p.UserID, p.CredentialID, p.Name, p.Credential, micros(p.CreatedAt))
	if err != nil {
		return Passkey{}, fmt.Errorf("storing passkey: %w", err)
	}
	p.ID = id
	return p, nil
}

// Passkeys lists a user's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, orgID, userID int64) ([]Passkey, error) {
	rows, err := s.reader().query(ctx, `SELECT id, org_id, user_id, credential_id, name, credential, created_at, last_used_at
		FROM user_passkeys WHERE org_id = ? AND user_id = ? ORDER BY id`, orgID, userID)
	if err != nil {
		return nil, fmt.Errorf("listing passkeys: %w", err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var p Passkey
		var created int64
		var used *int64
		if err := rows.Scan(&p.ID, &p.OrgID, &p.UserID, &p.CredentialID, &p.Name, &p.Credential, &created, &used); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMicros(created)
		if used != nil {
			p.LastUsedAt = fromMicros(*used)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdatePasskeyUse stores a passkey's credential after a sign-in (its
// sign count moves) and when it was used.
func (s *Store) UpdatePasskeyUse(ctx context.Context, orgID int64, credentialID, credential string) error {
	return s.expectOne(s.writer().exec(ctx, `UPDATE user_passkeys SET credential = ?, last_used_at = ? WHERE org_id = ? AND credential_id = ?`,
		credential, micros(s.now()), orgID, credentialID))
}

// RenamePasskey gives a user's passkey a new name.
func (s *Store) RenamePasskey(ctx context.Context, orgID, userID, id int64, name string) error {
	return s.expectOne(s.writer().exec(ctx, `UPDATE user_passkeys SET name = ? WHERE org_id = ? AND user_id = ? AND id = ?`,
		name, orgID, userID, id))
}

// DeletePasskey removes one of a user's passkeys.
func (s *Store) DeletePasskey(ctx context.Context, orgID, userID, id int64) error {
	return s.expectOne(s.writer().exec(ctx, `DELETE FROM user_passkeys WHERE org_id = ? AND user_id = ? AND id = ?`, orgID, userID, id))
}

// DeletePasskeys removes all of a user's passkeys and says how many there were.
func (t *Tx) DeletePasskeys(ctx context.Context, orgID, userID int64) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM user_passkeys WHERE org_id = ? AND user_id = ?`, orgID, userID)
	if err != nil {
		return 0, fmt.Errorf("removing passkeys: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// WebAuthnChallenge is a ceremony in progress.
type WebAuthnChallenge struct {
	IDHash    string
	UserID    int64 // 0 for a discoverable sign-in
	Kind      string
	Data      string // go-webauthn's SessionData, JSON
	ExpiresAt time.Time
}

// PutWebAuthnChallenge stores a ceremony and removes expired ones.
func (s *Store) PutWebAuthnChallenge(ctx context.Context, c WebAuthnChallenge) error {
	var user any
	if c.UserID != 0 {
		user = c.UserID
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM webauthn_challenges WHERE expires_at <= ?`, micros(s.now())); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO webauthn_challenges (id_hash, user_id, kind, data, expires_at) VALUES (?, ?, ?, ?, ?)`,
			c.IDHash, user, c.Kind, c.Data, micros(c.ExpiresAt))
		return err
	})
}

// TakeWebAuthnChallenge deletes and returns a ceremony: it can be used once.
func (s *Store) TakeWebAuthnChallenge(ctx context.Context, idHash, kind string) (WebAuthnChallenge, error) {
	c := WebAuthnChallenge{IDHash: idHash}
	var user *int64
	var expires int64
	err := s.writer().queryRow(ctx, `DELETE FROM webauthn_challenges WHERE id_hash = ? AND kind = ? RETURNING user_id, kind, data, expires_at`,
		idHash, kind).Scan(&user, &c.Kind, &c.Data, &expires)
	if err != nil {
		return WebAuthnChallenge{}, fmt.Errorf("WebAuthn challenge: %w", mapError(err))
	}
	if user != nil {
		c.UserID = *user
	}
	c.ExpiresAt = fromMicros(expires)
	return c, nil
}
