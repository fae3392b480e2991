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
