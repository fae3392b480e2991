package auth

import (
	"context"
	"strconv"

	"sluis/db"
	"sluis/portal/secret"
)

// Accounts are the changes an admin (on the users page) or an operator
// (on the command line) makes to an organisation's users. Each is one
// use case in one transaction with its audit event: the change and its
// record commit together, and an event that cannot be written undoes the
// change. It needs only the store, so the command line can use it
// without the rest of the Service.
type Accounts struct {
	Store *db.Store
	// Hash is the argon2id cost of new password hashes (default secret.OWASP).
	Hash secret.Params
}

// Actor is who changes an account, as the audit log names them.
type Actor struct {
	ID   int64  // the acting user; 0 for the command line
	Name string // "user:12 jan@example.org", "cli"
	IP   string // "" on the command line
}

// NewAccount is a user to create, with their first password in plain
// text (it is checked by the password rules and stored hashed).
type NewAccount struct {
	OrgID       int64
	UnitID      int64 // 0: the root unit
	Email       string
	DisplayName string
	Role        string // db.RoleSender or db.RoleAdmin
	Language    string // "": the organisation's
	Password    string
}

// event is an audit event by actor on user u (ID 0: not yet known).
func (a Actor) event(orgID int64, kind string, u db.User) db.AuditEvent {
	return db.AuditEvent{OrgID: orgID, ActorID: a.ID, Actor: a.Name, IP: a.IP, Kind: kind, Target: AuditTarget(u)}
}

// AuditTarget names a user as the target of an audit event.
func AuditTarget(u db.User) string { return "user:" + strconv.FormatInt(u.ID, 10) + " " + u.Email }

// CreateUser adds a user with a first password: ErrPasswordRules when the
// password breaks the rules (CheckNewPassword), the store's
// *db.InvalidError or db.ErrDuplicate for the rest.
func (a Accounts) CreateUser(ctx context.Context, by Actor, in NewAccount) (db.User, error) {
	if addr, err := db.NormalizeAddress(in.Email); err == nil {
		in.Email = addr
	}
	if err := CheckNewPassword(db.User{Email: in.Email}, in.Password); err != nil {
		return db.User{}, err
	}
	params := a.Hash
	if params == (secret.Params{}) {
		params = secret.OWASP
	}
	hash, err := secret.HashWith(params, in.Password) // before the transaction: it is slow
	if err != nil {
		return db.User{}, err
	}
	var u db.User
	err = a.Store.InTx(ctx, func(tx *db.Tx) error {
		if u, err = tx.CreateUser(ctx, db.NewUser{OrgID: in.OrgID, UnitID: in.UnitID, Email: in.Email,
			DisplayName: in.DisplayName, Role: in.Role, Language: in.Language, PasswordHash: hash}); err != nil {
			return err
		}
		ev := by.event(u.OrgID, "user.add", u)
		ev.After = "email=" + u.Email + " role=" + u.Role + " unit=" + strconv.FormatInt(u.UnitID, 10)
		return tx.AppendAudit(ctx, ev)
	})
	if err != nil {
		return db.User{}, err
	}
	return u, nil
}

// SetDisabled disables a user, ending every web session they have, or
// enables them again.
func (a Accounts) SetDisabled(ctx context.Context, by Actor, u db.User, disabled bool) error {
	kind, before, after := "user.enable", "disabled=true", "disabled=false"
	if disabled {
		kind, before, after = "user.disable", after, before
	}
	return a.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.SetUserDisabled(ctx, u.OrgID, u.ID, disabled); err != nil {
			return err
		}
		if disabled {
			if err := tx.DeleteUserSessions(ctx, u.OrgID, u.ID, ""); err != nil {
				return err
			}
		}
		ev := by.event(u.OrgID, kind, u)
		ev.Before, ev.After = before, after
		return tx.AppendAudit(ctx, ev)
	})
}

// MoveUser puts a user in another unit of their organisation.
func (a Accounts) MoveUser(ctx context.Context, by Actor, u db.User, unitID int64) error {
	return a.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.MoveUser(ctx, u.OrgID, u.ID, unitID); err != nil {
			return err
		}
		ev := by.event(u.OrgID, "user.move", u)
		ev.Before, ev.After = "unit="+strconv.FormatInt(u.UnitID, 10), "unit="+strconv.FormatInt(unitID, 10)
		return tx.AppendAudit(ctx, ev)
	})
}

// UnlockSecondFactor lets a user whose second factor locked after too
// many wrong codes try codes again, with its audit event in the same
// transaction.
func (a Accounts) UnlockSecondFactor(ctx context.Context, by Actor, u db.User) error {
	return a.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.ClearFactorFailures(ctx, u.OrgID, u.ID); err != nil {
			return err
		}
		ev := by.event(u.OrgID, "user.unlock_factor", u)
		ev.Before, ev.After = "second factor locked", "unlocked"
		return tx.AppendAudit(ctx, ev)
	})
}

// ResetSecondFactor removes a user's TOTP, recovery codes and passkeys and
// ends their sessions: they sign in with the password alone next (or
// enrol again, where their unit requires a second factor).
func (a Accounts) ResetSecondFactor(ctx context.Context, by Actor, u db.User) error {
	return a.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.DeleteTOTP(ctx, u.OrgID, u.ID); err != nil {
			return err
		}
		n, err := tx.DeletePasskeys(ctx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.OrgID, u.ID, ""); err != nil {
			return err
		}
		ev := by.event(u.OrgID, "user.reset_factor", u)
		ev.After = "totp and recovery codes removed, " + strconv.Itoa(n) + " passkeys removed"
		return tx.AppendAudit(ctx, ev)
	})
}
