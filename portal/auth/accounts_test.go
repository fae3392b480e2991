package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/secret"
)

var ctx = context.Background()

// accountsWorld is a store with an organisation, a user who has a
// session, a TOTP secret and a passkey, and the account use cases.
type accountsWorld struct {
	s    *db.Store
	a    Accounts
	org  db.Org
	user db.User
	by   Actor
}

func newAccountsWorld(t *testing.T, s *db.Store) *accountsWorld {
	t.Helper()
	org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Ziekenhuis Oost", Domains: []string{"zkh.example"}})
	if err != nil {
		t.Fatal(err)
	}
	w := &accountsWorld{s: s, a: Accounts{Store: s, Hash: secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}}, org: org,
		by: Actor{ID: 0, Name: "cli"}}
	if w.user, err = w.a.CreateUser(ctx, w.by, NewAccount{OrgID: org.ID, Email: "arts@zkh.example", Role: db.RoleSender,
		Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.CreateUserSession(ctx, db.UserSession{IDHash: secret.HashToken("session"), OrgID: org.ID, UserID: w.user.ID,
		Stage: db.StageFull, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}, "", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPendingTOTP(ctx, org.ID, w.user.ID, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPasskey(ctx, db.Passkey{OrgID: org.ID, UserID: w.user.ID, CredentialID: "cred", Name: "laptop", Credential: "{}"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// state is what the use cases change, in one comparable value.
type state struct {
	disabled         bool
	unit             int64
	sessions, keys   int
	totp             bool
	users, auditRows int
}

func (w *accountsWorld) state(t *testing.T) state {
	t.Helper()
	u, err := w.s.User(ctx, w.org.ID, w.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := state{disabled: u.Disabled, unit: u.UnitID}
	if st.sessions, err = w.s.CountUserSessions(ctx, w.org.ID, u.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	keys, err := w.s.Passkeys(ctx, w.org.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.keys = len(keys)
	_, err = w.s.UserTOTP(ctx, w.org.ID, u.ID)
	st.totp = err == nil
	users, err := w.s.Users(ctx, w.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.users = len(users)
	if events, err := w.s.AuditEvents(ctx, w.org.ID, db.AuditQuery{Limit: 1000}); err == nil {
		st.auditRows = len(events)
	}
	return st
}

// breakAudit makes every audit write fail, as a full or broken audit
// table would, by taking the table away.
func breakAudit(t *testing.T, s *db.Store) {
	t.Helper()
	err := s.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.SQL().ExecContext(ctx, `ALTER TABLE audit_events RENAME TO audit_events_gone`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// accountCases are the use cases, each with what it must change.
var accountCases = []struct {
	name   string
	run    func(w *accountsWorld) error
	change func(st *state)
}{
	{"disable", func(w *accountsWorld) error { return w.a.SetDisabled(ctx, w.by, w.user, true) },
		func(st *state) { st.disabled, st.sessions = true, 0 }},
	{"reset second factor", func(w *accountsWorld) error { return w.a.ResetSecondFactor(ctx, w.by, w.user) },
		func(st *state) { st.totp, st.keys, st.sessions = false, 0, 0 }},
	{"move", func(w *accountsWorld) error {
		unit, err := w.s.CreateUnit(ctx, w.org.ID, w.org.RootUnit, "Radiologie")
		if err != nil {
			return err
		}
		return w.a.MoveUser(ctx, w.by, w.user, unit.ID)
	}, func(st *state) { st.unit = 0 }},
	{"create", func(w *accountsWorld) error {
		_, err := w.a.CreateUser(ctx, w.by, NewAccount{OrgID: w.org.ID, Email: "nieuw@zkh.example", Role: db.RoleSender,
			Password: "another long password"})
		return err
	}, func(st *state) { st.users++ }},
}

// TestAccountChangesCarryTheirAudit runs each use case twice: with the
// audit log working, the change and one audit event commit together;
// with audit writes failing, the use case fails and changes nothing.
func TestAccountChangesCarryTheirAudit(t *testing.T) {
	for _, c := range accountCases {
		// Distinct names: a "#01" suffix would cut the SQLite path short.
		t.Run(c.name+"/works", func(t *testing.T) {
			dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
				w := newAccountsWorld(t, s)
				before := w.state(t)
				if err := c.run(w); err != nil {
					t.Fatal(err)
				}
				want := before
				c.change(&want)
				want.auditRows++
				got := w.state(t)
				if c.name == "move" {
					got.unit = 0 // a new unit's id
				}
				if got != want {
					t.Errorf("after %s: %+v, want %+v", c.name, got, want)
				}
			})
		})
		t.Run(c.name+"/audit fails", func(t *testing.T) {
			dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
				w := newAccountsWorld(t, s)
				before := w.state(t)
				breakAudit(t, s)
				if err := c.run(w); err == nil {
					t.Fatal("the use case succeeded without its audit event")
				}
				got := w.state(t)
				before.auditRows, got.auditRows = 0, 0 // the table is gone
				if got != before {
					t.Errorf("a failed %s changed %+v into %+v", c.name, before, got)
				}
			})
		})
	}
}

func TestCreateUserChecksThePassword(t *testing.T) {
	w := newAccountsWorld(t, dbtest.SQLite(t, dbtest.Options{}))
	for _, pw := range []string{"short", "Nieuw@ZKH.example"} {
		_, err := w.a.CreateUser(ctx, w.by, NewAccount{OrgID: w.org.ID, Email: "nieuw@zkh.example", Role: db.RoleSender, Password: pw})
		if !errors.Is(err, ErrPasswordRules) {
			t.Errorf("password %q: %v", pw, err)
		}
	}
	events, err := w.s.AuditEvents(ctx, w.org.ID, db.AuditQuery{Limit: 10})
	if err != nil || len(events) != 1 || events[0].Kind != "user.add" || events[0].Actor != "cli" {
		t.Errorf("audit = %+v, %v; want the first user's user.add by cli", events, err)
	}
}
