package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles a user can have.
const (
	RoleSender = "sender"
	RoleAdmin  = "admin"
)

// User is a person of an organisation who sends mail through Sluis.
type User struct {
	ID           int64
	OrgID        int64
	UnitID       int64
	Email        string
	DisplayName  string
	Role         string
	Language     string
	PasswordHash string
	// CredentialsVersion goes up with every new password, so that a
	// sign-in that outlives the change (an open SMTP connection) can tell.
	CredentialsVersion int64
	Disabled           bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// NewUser is what CreateUser needs. PasswordHash is already hashed
// (portal/secret); the store never sees a password.
type NewUser struct {
	OrgID        int64
	UnitID       int64 // 0: the root unit
	Email        string
	DisplayName  string
	Role         string
	Language     string // default: the organisation's
	PasswordHash string
}

const userColumns = `id, org_id, unit_id, email, display_name, role, language, password_hash, credentials_version, disabled, created_at, updated_at`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var disabled int64
	var created, updated int64
	err := r.Scan(&u.ID, &u.OrgID, &u.UnitID, &u.Email, &u.DisplayName, &u.Role, &u.Language,
		&u.PasswordHash, &u.CredentialsVersion, &disabled, &created, &updated)
	u.Disabled = disabled != 0
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, mapError(err)
}

// CreateUser adds a user. The address must be at one of the organisation's
// domains and not yet belong to anyone.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (User, error) {
	var u User
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.CreateUser(ctx, in)
		return err
	})
	return u, err
}

// CreateUser is Store.CreateUser inside a transaction (with its audit
// event, say).
func (t *Tx) CreateUser(ctx context.Context, in NewUser) (User, error) {
	org, err := t.s.Org(ctx, in.OrgID)
	if err != nil {
		return User{}, err
	}
	u, err := validateNewUser(in, org)
	if err != nil {
		return User{}, err
	}
	if u.UnitID == 0 {
		u.UnitID = org.RootUnit
	} else if _, err := t.s.Unit(ctx, org.ID, u.UnitID); err != nil {
		return User{}, fmt.Errorf("unit: %w", err)
	}
	now := t.s.now().UTC()
	u.CreatedAt, u.UpdatedAt = now, now
	if err := t.addressFree(ctx, u.Email); err != nil {
		return User{}, fmt.Errorf("creating user %s: %w", u.Email, err)
	}
	u.ID, err = t.insert(ctx, `INSERT INTO users (org_id, unit_id, email, display_name, role, language, password_hash, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
		u.OrgID, u.UnitID, u.Email, u.DisplayName, u.Role, u.Language, u.PasswordHash, micros(now), micros(now))
	if err != nil {
		return User{}, fmt.Errorf("creating user %s: %w", u.Email, err)
	}
	return u, nil
}

func validateNewUser(in NewUser, org Org) (User, error) {
	email, err := NormalizeAddress(in.Email)
	if err != nil {
		return User{}, err
	}
	if !orgOwnsDomain(org, DomainOf(email)) {
		return User{}, invalid("address", "not_org_domain", email)
	}
	if in.Role != RoleSender && in.Role != RoleAdmin {
		return User{}, invalid("role", "bad_role", clip(in.Role))
	}
	lang := in.Language
	if lang == "" {
		lang = org.Language
	}
	if !ValidLanguage(lang) {
		return User{}, invalid("language", "bad_language", clip(lang))
	}
	name := strings.TrimSpace(in.DisplayName)
	if len(name) > 200 {
		return User{}, invalid("display_name", "too_long", "")
	}
	return User{OrgID: org.ID, UnitID: in.UnitID, Email: email, DisplayName: name, Role: in.Role,
		Language: lang, PasswordHash: in.PasswordHash}, nil
}

func orgOwnsDomain(o Org, domain string) bool {
	for _, d := range o.Domains {
		if d == domain {
			return true
		}
	}
	return false
}

// addressFree fails with ErrDuplicate when addr already belongs to a user,
// an alias or a group, in any case: the SMTP intake matches a sender's own
// addresses without regard to case, so two addresses that differ only in
// case must not belong to two owners.
func (t *Tx) addressFree(ctx context.Context, addr string) error {
	var n int
	err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE lower(email) = lower(?))
		+ (SELECT COUNT(*) FROM user_aliases WHERE lower(address) = lower(?))
		+ (SELECT COUNT(*) FROM groups WHERE lower(address) = lower(?))`, addr, addr, addr).Scan(&n)
	if err != nil {
		return mapError(err)
	}
	if n > 0 {
		return fmt.Errorf("address %s is taken: %w", addr, ErrDuplicate)
	}
	return nil
}

// User returns one user of an organisation.
func (s *Store) User(ctx context.Context, orgID, id int64) (User, error) {
	u, err := scanUser(s.hot().queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UserByAddress finds the user an address belongs to, by primary address
// or alias, across organisations: it is how sign-in and SMTP AUTH find the
// tenant. The address matches in any case (J.Jansen@… finds j.jansen@…;
// addressFree keeps an address to one owner in any case), through the
// lower() indexes of migration 00021. Disabled users are returned;
// callers refuse them.
func (s *Store) UserByAddress(ctx context.Context, addr string) (User, error) {
	a, err := NormalizeAddress(addr)
	if err != nil {
		return User{}, ErrNotFound
	}
	// Two lookups, not "email = ? OR id = (…)", which SQLite answers by
	// reading every user. An address belongs to one user or alias at most.
	u, err := scanUser(s.reader().queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower(?)
		UNION ALL SELECT `+userColumns+` FROM users WHERE id = (SELECT user_id FROM user_aliases WHERE lower(address) = lower(?))`, a, a))
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", a, err)
	}
	return u, nil
}

// Users lists an organisation's users by address.
func (s *Store) Users(ctx context.Context, orgID int64) ([]User, error) {
	rows, err := s.reader().query(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = ? ORDER BY email`, orgID)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword stores a new password hash and raises the user's
// credentials version.
func (s *Store) SetPassword(ctx context.Context, orgID, userID int64, hash string) error {
	if hash == "" {
		return invalid("password", "missing", "")
	}
	return s.expectOne(s.writer().exec(ctx, `UPDATE users SET password_hash = ?, credentials_version = credentials_version + 1, updated_at = ?
		WHERE org_id = ? AND id = ?`, hash, micros(s.now()), orgID, userID))
}

// SetUserDisabled disables or re-enables a user.
func (s *Store) SetUserDisabled(ctx context.Context, orgID, userID int64, disabled bool) error {
	return setUserDisabled(ctx, s, s.writer(), orgID, userID, disabled)
}

// SetUserDisabled is Store.SetUserDisabled inside a transaction.
func (t *Tx) SetUserDisabled(ctx context.Context, orgID, userID int64, disabled bool) error {
	return setUserDisabled(ctx, t.s, t.conn, orgID, userID, disabled)
}

func setUserDisabled(ctx context.Context, s *Store, c conn, orgID, userID int64, disabled bool) error {
	v := 0
	if disabled {
		v = 1
	}
	return s.expectOne(c.exec(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		v, micros(s.now()), orgID, userID))
}

// MoveUser puts a user in another unit of the same organisation.
func (s *Store) MoveUser(ctx context.Context, orgID, userID, unitID int64) error {
	return moveUser(ctx, s, s.writer(), orgID, userID, unitID)
}

// MoveUser is Store.MoveUser inside a transaction.
func (t *Tx) MoveUser(ctx context.Context, orgID, userID, unitID int64) error {
	return moveUser(ctx, t.s, t.conn, orgID, userID, unitID)
}

func moveUser(ctx context.Context, s *Store, c conn, orgID, userID, unitID int64) error {
	if _, err := s.Unit(ctx, orgID, unitID); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	return s.expectOne(c.exec(ctx, `UPDATE users SET unit_id = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		unitID, micros(s.now()), orgID, userID))
}

// AddAlias gives a user another address that is theirs.
func (s *Store) AddAlias(ctx context.Context, orgID, userID int64, addr string) error {
	a, err := NormalizeAddress(addr)
	if err != nil {
		return err
	}
	if _, err := s.User(ctx, orgID, userID); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.addressFree(ctx, a); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO user_aliases (org_id, user_id, address) VALUES (?, ?, ?)`, orgID, userID, a)
		return err
	})
}

// Aliases lists a user's other addresses.
func (s *Store) Aliases(ctx context.Context, orgID, userID int64) ([]string, error) {
	return s.strings(ctx, `SELECT address FROM user_aliases WHERE org_id = ? AND user_id = ? ORDER BY address`, orgID, userID)
}

func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.reader().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			_ = rows.Close()
			return nil, err
		}
		out = append(out, v)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}
