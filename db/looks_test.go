package db_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestOrgLook saves, keeps and removes a look and its logo on both
// dialects, finds it by its token, and keeps each organisation's apart.
func TestOrgLook(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a, err := s.CreateOrg(ctx, db.NewOrg{Name: "Zorg A", Domains: []string{"a.test"}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.CreateOrg(ctx, db.NewOrg{Name: "Zorg B", Domains: []string{"b.test"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OrgLook(ctx, a.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a look before any save: %v", err)
		}
		if br, err := s.OrgBrand(ctx, a.ID); err != nil || br.DisplayName != "Zorg A" || br.Token != "" {
			t.Errorf("brand without a look: %+v, %v", br, err)
		}
		put := func(orgID int64, c db.LookChange) {
			t.Helper()
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.PutOrgLook(ctx, orgID, c) }); err != nil {
				t.Fatal(err)
			}
		}
		logo := []byte("\x89PNG\r\n\x1a\nbytes")
		put(a.ID, db.LookChange{Token: "tok1", DisplayName: "Ziekenhuis A", Accent: "#8a1c1c", SetLogo: true, LogoType: "image/png", Logo: logo})
		put(b.ID, db.LookChange{Token: "tok2", SupportLine: "Bel B"})
		l, got, err := s.OrgLookByToken(ctx, "tok1")
		if err != nil || l.OrgID != a.ID || l.LogoType != "image/png" || !bytes.Equal(got, logo) || l.Accent != "#8a1c1c" {
			t.Errorf("by token: %+v %q %v", l, got, err)
		}
		put(a.ID, db.LookChange{Token: "tok3", DisplayName: "Ziekenhuis A"}) // the logo stays
		if _, _, err := s.OrgLookByToken(ctx, "tok1"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the old token: %v", err)
		}
		if l, got, err := s.OrgLookByToken(ctx, "tok3"); err != nil || !bytes.Equal(got, logo) || l.Accent != "" {
			t.Errorf("after a save without a logo: %+v %q %v", l, got, err)
		}
		put(a.ID, db.LookChange{Token: "tok4", SetLogo: true}) // removed
		if l, got, err := s.OrgLookByToken(ctx, "tok4"); err != nil || got != nil || l.LogoType != "" {
			t.Errorf("after removing the logo: %+v %q %v", l, got, err)
		}
		if br, err := s.OrgBrand(ctx, b.ID); err != nil || br.DisplayName != "Zorg B" || br.SupportLine != "Bel B" || br.Token != "tok2" {
			t.Errorf("the other organisation's brand: %+v, %v", br, err)
		}
	})
}
