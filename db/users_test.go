package db_test

import (
	"errors"
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
