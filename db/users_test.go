package db_test

import (
	"errors"
	"strings"
	"testing"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestAddressesUniqueInAnyCase refuses an address, alias or group that
// differs from a taken address only in case: the intake matches a sender's
// own addresses without regard to case.
func TestAddressesUniqueInAnyCase(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Voorbeeld", "voorbeeld.test")
		jan := mustUser(t, s, o, "jan@voorbeeld.test")
		if err := s.AddAlias(ctx, o.ID, jan.ID, "j.smit@voorbeeld.test"); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateUser(ctx, db.NewUser{OrgID: o.ID, Email: "JAN@voorbeeld.test", Role: db.RoleSender})
		if !errors.Is(err, db.ErrDuplicate) {
			t.Errorf("user JAN@ beside jan@: %v, want ErrDuplicate", err)
		}
		other := mustUser(t, s, o, "piet@voorbeeld.test")
		if err := s.AddAlias(ctx, o.ID, other.ID, "J.Smit@voorbeeld.test"); !errors.Is(err, db.ErrDuplicate) {
			t.Errorf("alias J.Smit@ beside j.smit@: %v, want ErrDuplicate", err)
		}
		if got, err := s.User(ctx, o.ID, jan.ID); err != nil || got.Email != "jan@voorbeeld.test" {
			t.Errorf("stored address %q, %v", got.Email, err)
		}
	})
}

// TestUserByAddressAnyCase finds a user by address or alias as people
// type it (J.Jansen@… for j.jansen@…), keeps the stored form, and on
// SQLite asks through the lower() indexes, never a scan of users.
func TestUserByAddressAnyCase(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Voorbeeld", "voorbeeld.test")
		jan := mustUser(t, s, o, "j.jansen@voorbeeld.test")
		mustUser(t, s, o, "piet@voorbeeld.test")
		if err := s.AddAlias(ctx, o.ID, jan.ID, "Secretariaat@voorbeeld.test"); err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{"j.jansen@voorbeeld.test", "J.Jansen@Voorbeeld.TEST", "J.JANSEN@voorbeeld.test",
			"Secretariaat@voorbeeld.test", "secretariaat@voorbeeld.test", "SECRETARIAAT@VOORBEELD.TEST"} {
			u, err := s.UserByAddress(ctx, typed)
			if err != nil || u.ID != jan.ID || u.Email != "j.jansen@voorbeeld.test" {
				t.Errorf("%s: user %d %q, %v; want %d", typed, u.ID, u.Email, err, jan.ID)
			}
		}
		g, err := s.CreateGroup(ctx, o.ID, "Poli@voorbeeld.test", "Polikliniek")
		if err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{"Poli@voorbeeld.test", "poli@VOORBEELD.test", "POLI@voorbeeld.test"} {
			if got, err := s.GroupByAddress(ctx, o.ID, typed); err != nil || got.ID != g.ID {
				t.Errorf("group %s: %d, %v; want %d", typed, got.ID, err, g.ID)
			}
		}
		for _, typed := range []string{"j.jansen2@voorbeeld.test", "jansen@voorbeeld.test", "j.jansen@voorbeeld.nl"} {
			if u, err := s.UserByAddress(ctx, typed); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s: user %d, %v; want not found", typed, u.ID, err)
			}
		}
	})
	s := dbtest.SQLite(t, dbtest.Options{})
	for query, index := range map[string]string{
		`SELECT id FROM users WHERE lower(email) = lower(?)`:               "users_email_lower",
		`SELECT user_id FROM user_aliases WHERE lower(address) = lower(?)`: "user_aliases_address_lower",
		`SELECT id FROM groups WHERE lower(address) = lower(?)`:            "groups_address_lower",
	} {
		var id, parent, unused int
		var detail string
		if err := s.DB().QueryRowContext(ctx, `EXPLAIN QUERY PLAN `+query, "x@voorbeeld.test").Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, index) {
			t.Errorf("plan of %s: %s, want %s", query, detail, index)
		}
	}
}

// TestCredentialsVersion goes up with every new password, and only then.
func TestCredentialsVersion(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "Voorbeeld", "voorbeeld.test")
		u := mustUser(t, s, o, "jan@voorbeeld.test")
		version := func() int64 {
			t.Helper()
			got, err := s.UserByAddress(ctx, u.Email)
			if err != nil {
				t.Fatal(err)
			}
			return got.CredentialsVersion
		}
		if v := version(); v != 0 {
			t.Fatalf("new user at version %d", v)
		}
		for want := int64(1); want <= 2; want++ {
			if err := s.SetPassword(ctx, o.ID, u.ID, "$argon2id$new"); err != nil {
				t.Fatal(err)
			}
			if v := version(); v != want {
				t.Errorf("after %d new passwords: version %d", want, v)
			}
		}
		if err := s.SetUserDisabled(ctx, o.ID, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if v := version(); v != 2 {
			t.Errorf("disabling changed the version to %d", v)
		}
	})
}
