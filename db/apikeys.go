package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// APIKey is a key of the contact-sync API. The key itself is never
// stored: TokenHash is its SHA-256 (portal/secret.HashToken), Prefix its
// first characters, to tell keys apart on the admin page.
type APIKey struct {
	ID         int64
	OrgID      int64
	Name       string
	TokenHash  string
	Prefix     string
	CreatedBy  int64
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: live
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// NewAPIKey is a key to create; TokenHash is the hash of the key shown once.
type NewAPIKey struct {
	OrgID     int64
	Name      string
	TokenHash string
	Prefix    string
	CreatedBy int64
}

const apiKeyColumns = `id, org_id, name, token_hash, prefix, COALESCE(created_by, 0), created_at, COALESCE(last_used_at, 0), COALESCE(revoked_at, 0)`

func scanAPIKey(r interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var created, used, revoked int64
	err := r.Scan(&k.ID, &k.OrgID, &k.Name, &k.TokenHash, &k.Prefix, &k.CreatedBy, &created, &used, &revoked)
	k.CreatedAt = fromMicros(created)
	if used != 0 {
		k.LastUsedAt = fromMicros(used)
	}
	if revoked != 0 {
		k.RevokedAt = fromMicros(revoked)
	}
	return k, mapError(err)
}

// CreateAPIKey stores a new key of the organisation.
func (t *Tx) CreateAPIKey(ctx context.Context, in NewAPIKey) (APIKey, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		return APIKey{}, invalid("name", "bad_name", "")
	}
	if len(in.TokenHash) != 64 {
		return APIKey{}, invalid("token_hash", "not_hashed", "")
	}
	now := t.s.now().UTC()
	var by any
	if in.CreatedBy != 0 {
		by = in.CreatedBy
	}
	id, err := t.insert(ctx, `INSERT INTO api_keys (org_id, name, token_hash, prefix, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, in.OrgID, in.Name, in.TokenHash, in.Prefix, by, micros(now))
	if err != nil {
		return APIKey{}, fmt.Errorf("creating API key: %w", err)
	}
	return APIKey{ID: id, OrgID: in.OrgID, Name: in.Name, TokenHash: in.TokenHash, Prefix: in.Prefix,
		CreatedBy: in.CreatedBy, CreatedAt: now}, nil
}

// APIKeyByHash finds a live (not revoked) key by the hash of the key a
// client sent: the lookup is by hash, so the key is never compared as
// plaintext. ErrNotFound for an unknown or revoked key.
func (s *Store) APIKeyByHash(ctx context.Context, tokenHash string) (APIKey, error) {
	k, err := scanAPIKey(s.reader().queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE token_hash = ? AND revoked_at IS NULL`, tokenHash))
	if err != nil {
		return APIKey{}, fmt.Errorf("API key: %w", err)
	}
	return k, nil
}

// APIKeys lists the organisation's keys, live and revoked, newest first.
func (s *Store) APIKeys(ctx context.Context, orgID int64) ([]APIKey, error) {
	rows, err := s.reader().query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE org_id = ? ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing API keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes a live key of the organisation; ErrNotFound when
// there is none by that id (or it was revoked already).
func (t *Tx) RevokeAPIKey(ctx context.Context, orgID, id int64) (APIKey, error) {
	k, err := scanAPIKey(t.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE org_id = ? AND id = ? AND revoked_at IS NULL`, orgID, id))
	if err != nil {
		return APIKey{}, fmt.Errorf("API key %d: %w", id, err)
	}
	now := t.s.now().UTC()
	if _, err := t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ?`, micros(now), orgID, id); err != nil {
		return APIKey{}, fmt.Errorf("revoking API key %d: %w", id, err)
	}
	k.RevokedAt = now
	return k, nil
}

// TouchAPIKey records that a key was used now.
func (t *Tx) TouchAPIKey(ctx context.Context, orgID, id int64) error {
	_, err := t.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE org_id = ? AND id = ?`, micros(t.s.now().UTC()), orgID, id)
	if err != nil {
		return fmt.Errorf("recording use of API key %d: %w", id, err)
	}
	return nil
}
