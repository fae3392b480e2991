package main

import (
	"context"
	"path/filepath"
	"testing"

	"sluis/db"
)

// TestHistoryMasksNumbersLikeEverywhere: the address-book history of a
// store the commands open shows a number in the one masking style of the
// portal and the mail.
func TestHistoryMasksNumbersLikeEverywhere(t *testing.T) {
	ctx := context.Background()
	s, err := db.Open(ctx, filepath.Join(t.TempDir(), "sluis.db"), storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Zorg", Domains: []string{"zorg.test"}})
	if err != nil {
		t.Fatal(err)
	}
	phone := "+31612345678"
	c, _, err := s.PutContact(ctx, db.OrgBook(org.ID), db.ContactInput{Email: "ann@example.com", Phone: &phone},
		db.Change{Source: db.SourceManual, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.ContactHistory(ctx, org.ID, c.ID)
	if err != nil || len(rows) != 1 || rows[0].NewValue != "+31 6 ●●●● ●●78" || rows[0].OldValue != "" {
		t.Errorf("history %+v, %v; want the number as +31 6 ●●●● ●●78", rows, err)
	}
}
