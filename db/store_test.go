package db_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

var ctx = context.Background()

func ptr(s string) *string { return &s }

func mustOrg(t *testing.T, s *db.Store, name string, domains ...string) db.Org {
	t.Helper()
	o, err := s.CreateOrg(ctx, db.NewOrg{Name: name, Domains: domains})
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", name, err)
	}
	return o
}

func mustUser(t *testing.T, s *db.Store, org db.Org, email string) db.User {
	t.Helper()
	u, err := s.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: email, Role: db.RoleSender, PasswordHash: "$argon2id$x"})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func TestOrganisations(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Gemeente Voorbeeld", "Voorbeeld.NL", "voorbeeld.nl", "gemeente.example")
		if len(o.Domains) != 2 || o.Domains[0] != "voorbeeld.nl" {
			t.Errorf("domains = %v, want normalised and deduplicated", o.Domains)
		}
		if o.RootUnit == 0 {
			t.Fatal("no root unit")
		}
		got, err := s.OrgByDomain(ctx, "GEMEENTE.example")
		if err != nil || got.ID != o.ID || got.RootUnit != o.RootUnit || len(got.Domains) != 2 {
			t.Errorf("OrgByDomain = %+v, %v", got, err)
		}
		_, err = s.CreateOrg(ctx, db.NewOrg{Name: "Other", Domains: []string{"voorbeeld.nl"}})
		if !errors.Is(err, db.ErrDuplicate) {
			t.Errorf("duplicate domain: err = %v, want ErrDuplicate", err)
		}
		orgs, err := s.Orgs(ctx)
		if err != nil || len(orgs) != 1 {
			t.Errorf("a failed CreateOrg left something behind: %d orgs, %v", len(orgs), err)
		}
		for _, bad := range []db.NewOrg{
			{Name: "", Domains: []string{"a.nl"}},
			{Name: "x", Domains: nil},
			{Name: "x", Domains: []string{"not a domain"}},
			{Name: "x", Domains: []string{"a.nl"}, Language: "de"},
		} {
			var inv *db.InvalidError
			if _, err := s.CreateOrg(ctx, bad); !errors.As(err, &inv) {
				t.Errorf("CreateOrg(%+v) err = %v, want InvalidError", bad, err)
			}
		}
		if _, err := s.OrgByDomain(ctx, "unknown.nl"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown domain: %v", err)
		}
	})
}

func TestUnitsTree(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Ziekenhuis", "zkh.nl")
		care, err := s.CreateUnit(ctx, o.ID, o.RootUnit, "Zorg")
		if err != nil {
			t.Fatal(err)
		}
		ward, err := s.CreateUnit(ctx, o.ID, care.ID, "Cardiologie")
		if err != nil {
			t.Fatal(err)
		}
		path, err := s.UnitPath(ctx, o.ID, ward.ID)
		if err != nil || len(path) != 3 || path[0].ID != o.RootUnit || path[2].ID != ward.ID {
			t.Fatalf("UnitPath = %+v, %v", path, err)
		}
		var inv *db.InvalidError
		if err := s.MoveUnit(ctx, o.ID, care.ID, ward.ID); !errors.As(err, &inv) || inv.Reason != "cycle" {
			t.Errorf("moving a unit below itself: %v", err)
		}
		u := mustUser(t, s, o, "arts@zkh.nl")
		if err := s.MoveUser(ctx, o.ID, u.ID, ward.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUnit(ctx, o.ID, ward.ID); !errors.Is(err, db.ErrInUse) {
			t.Errorf("deleting a unit with users: %v, want ErrInUse", err)
		}
		if err := s.DeleteUnit(ctx, o.ID, care.ID); !errors.Is(err, db.ErrInUse) {
			t.Errorf("deleting a unit with units: %v, want ErrInUse", err)
		}
		if err := s.DeleteUnit(ctx, o.ID, o.RootUnit); !errors.As(err, &inv) {
			t.Errorf("deleting the root: %v", err)
		}
		if err := s.MoveUser(ctx, o.ID, u.ID, o.RootUnit); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUnit(ctx, o.ID, ward.ID); err != nil {
			t.Errorf("deleting an empty unit: %v", err)
		}
		if err := s.RenameUnit(ctx, o.ID, care.ID, "Patiëntenzorg"); err != nil {
			t.Fatal(err)
		}
		units, err := s.Units(ctx, o.ID)
		if err != nil || len(units) != 2 || units[1].Name != "Patiëntenzorg" {
			t.Errorf("Units = %+v, %v", units, err)
		}
	})
}

func TestUsers(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Advocaten", "advocaten.be")
		u, err := s.CreateUser(ctx, db.NewUser{OrgID: o.ID, Email: "Jan.Peeters@ADVOCATEN.be", DisplayName: " Jan Peeters ",
			Role: db.RoleAdmin, Language: "fr", PasswordHash: "$argon2id$h"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "Jan.Peeters@advocaten.be" || u.UnitID != o.RootUnit || u.DisplayName != "Jan Peeters" {
			t.Errorf("user = %+v", u)
		}
		if err := s.AddAlias(ctx, o.ID, u.ID, "jp@advocaten.be"); err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{"Jan.Peeters@advocaten.BE", "jp@Advocaten.be"} {
			got, err := s.UserByAddress(ctx, addr)
			if err != nil || got.ID != u.ID {
				t.Errorf("UserByAddress(%s) = %+v, %v", addr, got, err)
			}
		}
		cases := []struct {
			name string
			in   db.NewUser
			want error
		}{
			{"duplicate", db.NewUser{OrgID: o.ID, Email: "Jan.Peeters@advocaten.BE", Role: "sender"}, db.ErrDuplicate},
			{"same as alias", db.NewUser{OrgID: o.ID, Email: "jp@advocaten.be", Role: "sender"}, db.ErrDuplicate},
			{"unknown org", db.NewUser{OrgID: 999, Email: "a@advocaten.be", Role: "sender"}, db.ErrNotFound},
			{"bad role", db.NewUser{OrgID: o.ID, Email: "b@advocaten.be", Role: "root"}, nil},
			{"bad address", db.NewUser{OrgID: o.ID, Email: "not an address", Role: "sender"}, nil},
			{"foreign domain", db.NewUser{OrgID: o.ID, Email: "c@elders.be", Role: "sender"}, nil},
			{"unknown unit", db.NewUser{OrgID: o.ID, UnitID: 12345, Email: "d@advocaten.be", Role: "sender"}, db.ErrNotFound},
		}
		for _, c := range cases {
			_, err := s.CreateUser(ctx, c.in)
			var inv *db.InvalidError
			switch {
			case err == nil:
				t.Errorf("%s: accepted", c.name)
			case c.want != nil && !errors.Is(err, c.want):
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			case c.want == nil && !errors.As(err, &inv):
				t.Errorf("%s: err = %v, want InvalidError", c.name, err)
			}
		}
		users, err := s.Users(ctx, o.ID)
		if err != nil || len(users) != 1 {
			t.Errorf("failed creates left users behind: %d, %v", len(users), err)
		}
		if err := s.SetUserDisabled(ctx, o.ID, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.User(ctx, o.ID, u.ID); !got.Disabled {
			t.Error("user not disabled")
		}
	})
}

func TestGroups(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Gemeente", "gemeente.nl")
		mustUser(t, s, o, "jan@gemeente.nl")
		g, err := s.CreateGroup(ctx, o.ID, "Burgerzaken@gemeente.nl", "Burgerzaken")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGroup(ctx, o.ID, "jan@gemeente.nl", "x"); !errors.Is(err, db.ErrDuplicate) {
			t.Errorf("group on a user's address: %v", err)
		}
		if err := s.AddGroupMember(ctx, o.ID, g.ID, "jan@gemeente.nl"); err != nil {
			t.Fatal(err)
		}
		got, err := s.GroupByAddress(ctx, o.ID, "Burgerzaken@GEMEENTE.nl")
		if err != nil || got.ID != g.ID {
			t.Fatalf("GroupByAddress: %+v %v", got, err)
		}
		m, err := s.GroupMembers(ctx, o.ID, g.ID)
		if err != nil || len(m) != 1 || m[0] != "jan@gemeente.nl" {
			t.Errorf("members = %v, %v", m, err)
		}
	})
}

func TestContactsAndHistory(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Gemeente", "gemeente.nl")
		u := mustUser(t, s, o, "jan@gemeente.nl")
		book := db.OrgBook(o.ID)
		c, outcome, err := s.PutContact(ctx, book, db.ContactInput{Email: "Alice@Example.COM", FullName: ptr("Alice Jansen"), Phone: ptr("+31612345678")},
			db.Change{Source: db.SourceImport, Actor: "cli"})
		if err != nil || outcome != db.Created {
			t.Fatal(err, outcome)
		}
		if c.Email != "Alice@example.com" || c.Kind != db.KindAddress {
			t.Errorf("contact = %+v", c)
		}
		// The same values again change nothing and write no history.
		if _, outcome, err := s.PutContact(ctx, book, db.ContactInput{Email: "Alice@example.com", Phone: ptr("+31612345678")},
			db.Change{Source: db.SourceImport, Actor: "cli"}); err != nil || outcome != db.Unchanged {
			t.Errorf("unchanged put: outcome=%v err=%v", outcome, err)
		}
		// A sender fixes the number; the name is left alone.
		clock.Advance(time.Hour)
		c2, outcome, err := s.PutContact(ctx, book, db.ContactInput{Email: "Alice@example.com", Phone: ptr("+31687654321")},
			db.Change{Source: db.SourceManual, Actor: "user:1"})
		if err != nil || outcome != db.Updated || c2.FullName != "Alice Jansen" || c2.Phone != "+31687654321" || c2.ID != c.ID {
			t.Fatalf("update = %+v, %v", c2, err)
		}
		h, err := s.ContactHistory(ctx, o.ID, c.ID)
		if err != nil || len(h) != 3 {
			t.Fatalf("history = %+v, %v", h, err)
		}
		last := h[2]
		if last.Field != "phone" || last.OldValue != "+316●●●●●●78" || last.NewValue != "+316●●●●●●21" || last.Source != "manual" || last.Actor != "user:1" {
			t.Errorf("last history row = %+v", last)
		}
		// A domain entry with an access code, and a personal entry for the same address.
		if _, _, err := s.PutContact(ctx, book, db.ContactInput{Email: "@Example.org", AccessCodeHash: ptr("$argon2id$v=19$m=1,t=1,p=1$x$y"), AccessCodeHint: ptr("de gebruikelijke")},
			db.Change{Source: db.SourceManual, Actor: "user:1"}); err != nil {
			t.Fatal(err)
		}
		dom, err := s.Contact(ctx, book, "example.org")
		if err != nil || dom.Kind != db.KindDomain {
			t.Errorf("domain entry = %+v, %v", dom, err)
		}
		personal := db.PersonalBook(o.ID, u.ID)
		if _, _, err := s.PutContact(ctx, personal, db.ContactInput{Email: "Alice@example.com", Phone: ptr("+32470123456")},
			db.Change{Source: db.SourceDraft, Actor: "user:1"}); err != nil {
			t.Fatal(err)
		}
		pc, err := s.Contact(ctx, personal, "Alice@example.com")
		if err != nil || pc.Phone != "+32470123456" || pc.OwnerUserID != u.ID {
			t.Errorf("personal entry = %+v, %v", pc, err)
		}
		if oc, _ := s.Contact(ctx, book, "Alice@example.com"); oc.Phone != "+31687654321" {
			t.Errorf("personal put changed the organisation's book: %+v", oc)
		}
		list, err := s.Contacts(ctx, book, db.ContactQuery{Search: "JANSEN"})
		if err != nil || len(list) != 1 {
			t.Errorf("search = %+v, %v", list, err)
		}
		if list, _ := s.Contacts(ctx, book, db.ContactQuery{Search: "%"}); len(list) != 0 {
			t.Errorf("a %% search matched %d entries; LIKE must be escaped", len(list))
		}
		for name, in := range map[string]db.ContactInput{
			"bad address":   {Email: "a@@b"},
			"not E.164":     {Email: "b@example.com", Phone: ptr("0612345678")},
			"unhashed code": {Email: "c@example.com", AccessCodeHash: ptr("secret123")},
		} {
			var inv *db.InvalidError
			if _, _, err := s.PutContact(ctx, book, in, db.Change{Source: db.SourceManual}); !errors.As(err, &inv) {
				t.Errorf("%s: err = %v, want InvalidError", name, err)
			}
		}
		if err := s.DeleteContact(ctx, book, c.ID, db.Change{Source: db.SourceManual, Actor: "user:1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ContactByID(ctx, book, c.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("deleted contact: %v", err)
		}
		if h, _ := s.ContactHistory(ctx, o.ID, c.ID); len(h) != 4 {
			t.Errorf("history after delete has %d rows, want 4 (it outlives the entry)", len(h))
		}
	})
}

// TestTenantIsolation: one organisation can never read or change another's
// users, units or contacts, even with the other's ids.
func TestTenantIsolation(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		ua := mustUser(t, s, a, "x@a.nl")
		unitA, err := s.CreateUnit(ctx, a.ID, a.RootUnit, "A-unit")
		if err != nil {
			t.Fatal(err)
		}
		ca, _, err := s.PutContact(ctx, db.OrgBook(a.ID), db.ContactInput{Email: "p@q.nl", Phone: ptr("+31612345678")}, db.Change{Source: db.SourceManual})
		if err != nil {
			t.Fatal(err)
		}
		notFound := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s across organisations: err = %v, want ErrNotFound", what, err)
			}
		}
		_, err = s.User(ctx, b.ID, ua.ID)
		notFound("User", err)
		_, err = s.Unit(ctx, b.ID, unitA.ID)
		notFound("Unit", err)
		_, err = s.ContactByID(ctx, db.OrgBook(b.ID), ca.ID)
		notFound("ContactByID", err)
		_, err = s.Contact(ctx, db.OrgBook(b.ID), "p@q.nl")
		notFound("Contact", err)
		notFound("SetPassword", s.SetPassword(ctx, b.ID, ua.ID, "$argon2id$evil"))
		notFound("SetUserDisabled", s.SetUserDisabled(ctx, b.ID, ua.ID, true))
		notFound("MoveUser", s.MoveUser(ctx, b.ID, ua.ID, b.RootUnit))
		notFound("RenameUnit", s.RenameUnit(ctx, b.ID, unitA.ID, "evil"))
		notFound("DeleteUnit", s.DeleteUnit(ctx, b.ID, unitA.ID))
		notFound("DeleteContact", s.DeleteContact(ctx, db.OrgBook(b.ID), ca.ID, db.Change{Source: db.SourceManual}))
		notFound("MoveUser into another org's unit", s.MoveUser(ctx, a.ID, ua.ID, b.RootUnit))
		_, err = s.CreateUnit(ctx, b.ID, unitA.ID, "child")
		notFound("CreateUnit under another org's unit", err)
		_, err = s.CreateUser(ctx, db.NewUser{OrgID: b.ID, UnitID: unitA.ID, Email: "y@b.nl", Role: "sender"})
		notFound("CreateUser in another org's unit", err)
		if h, _ := s.ContactHistory(ctx, b.ID, ca.ID); len(h) != 0 {
			t.Errorf("B reads A's contact history: %d rows", len(h))
		}
		if l, _ := s.Contacts(ctx, db.OrgBook(b.ID), db.ContactQuery{}); len(l) != 0 {
			t.Errorf("B lists A's contacts: %d", len(l))
		}
		if l, _ := s.Users(ctx, b.ID); len(l) != 0 {
			t.Errorf("B lists A's users: %d", len(l))
		}
		// Nothing of A changed.
		if got, _ := s.User(ctx, a.ID, ua.ID); got.Disabled || got.PasswordHash != ua.PasswordHash || got.UnitID != ua.UnitID {
			t.Errorf("A's user changed: %+v", got)
		}
		if got, err := s.ContactByID(ctx, db.OrgBook(a.ID), ca.ID); err != nil || got.Phone != "+31612345678" {
			t.Errorf("A's contact changed: %+v %v", got, err)
		}
	})
}

func TestMigrationsRefuseNewerSchema(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("fresh schema: %v", err)
		}
		if n, err := s.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("second migrate applied %d: %v", n, err)
		}
		_, err := s.DB().ExecContext(ctx, rebind(s, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)`), 999999, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); !errors.Is(err, db.ErrSchemaTooNew) {
			t.Errorf("Migrate on a newer schema: %v", err)
		}
		if err := s.CheckSchema(ctx); !errors.Is(err, db.ErrSchemaTooNew) {
			t.Errorf("CheckSchema on a newer schema: %v", err)
		}
	})
}

func rebind(s *db.Store, q string) string {
	if s.Dialect() == db.Postgres {
		return "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)"
	}
	return q
}

func TestOpenErrors(t *testing.T) {
	if _, err := db.Open(ctx, filepath.Join(t.TempDir(), "missing", "sluis.db"), db.Options{}); err == nil {
		t.Error("opening a database in a missing folder succeeded")
	}
	if _, err := db.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", db.Options{}); err == nil {
		t.Error("opening an unreachable PostgreSQL succeeded")
	}
}

// TestSQLiteFileOwnerOnly: the database file and its WAL are readable by
// their owner only, like the master key; an older 0644 file is tightened.
func TestSQLiteFileOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sluis.db")
	s, err := db.Open(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", filepath.Base(p), m)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = db.Open(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("reopened database has mode %v, want 0600", m)
	}
}

// TestSQLitePathWithURICharacters: a folder whose name holds characters
// that mean something in a URI ('?', '#', '%', a space) still gets the
// database, not a file cut short somewhere else.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%20d e")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sluis.db")
	s, err := db.Open(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
	if fi.Size() == 0 {
		entries, _ := os.ReadDir(dir)
		t.Errorf("the database file is empty; the folder holds %v", entries)
	}
}
