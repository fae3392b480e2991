package db_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

func TestFlipFlopFlags(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Gemeente", "gemeente.example")
		book := db.OrgBook(org.ID)
		imp := db.Change{Source: db.SourceImport, Actor: "cli"}
		man := db.Change{Source: db.SourceManual, Actor: "user:1"}
		put := func(addr, phone string, ch db.Change) db.Contact {
			t.Helper()
			c, _, err := s.PutContact(ctx, book, db.ContactInput{Email: addr, Phone: ptr(phone)}, ch)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		open := func() []db.Flag {
			t.Helper()
			f, err := s.Flags(ctx, org.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}

		// Filling a new entry, then one fix by someone else: no flag.
		put("a@x.example", "+31612345678", imp)
		put("a@x.example", "+31612345679", man)
		if f := open(); len(f) != 0 {
			t.Fatalf("one fix flagged: %+v", f)
		}
		// The import puts the old number back: a flip.
		c := put("a@x.example", "+31612345678", imp)
		f := open()
		if len(f) != 1 || f[0].Email != "a@x.example" || f[0].Field != "phone" || !slices.Equal(f[0].Sources, []string{"import", "manual"}) ||
			!slices.Contains(f[0].Actors, "cli") || !slices.Contains(f[0].Actors, "user:1") {
			t.Fatalf("flags = %+v", f)
		}
		// The same writer again, and a flip well apart in time: no new flip.
		put("a@x.example", "+31612345670", imp)
		clock.Advance(8 * 24 * time.Hour)
		put("a@x.example", "+31612345671", man)
		if f := open(); f[0].Flips != 1 {
			t.Errorf("flips = %d, want 1", f[0].Flips)
		}
		// A second flip within the week counts.
		put("a@x.example", "+31612345672", imp)
		if f := open(); f[0].Flips != 2 {
			t.Errorf("flips = %d, want 2", f[0].Flips)
		}
		byKey, err := s.OpenFlagsFor(ctx, org.ID, []string{"a@x.example", "x.example"})
		if err != nil || len(byKey["a@x.example"]) != 1 {
			t.Errorf("OpenFlagsFor = %v, %v", byKey, err)
		}

		// Dismissed: gone from the open list until it happens again.
		err = s.InTx(ctx, func(tx *db.Tx) error { _, err := tx.DismissFlag(ctx, org.ID, f[0].ID, "user:1"); return err })
		if err != nil || len(open()) != 0 {
			t.Fatalf("after dismissing: %v, %d open", err, len(open()))
		}
		if err := s.InTx(ctx, func(tx *db.Tx) error { _, err := tx.DismissFlag(ctx, org.ID, f[0].ID, "user:1"); return err }); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("dismissing twice: %v", err)
		}
		put("a@x.example", "+31612345673", man)
		if f := open(); len(f) != 1 || f[0].Flips != 1 {
			t.Errorf("reopened = %+v", f)
		}

		// Two API keys are two writers; personal books are never flagged.
		k1 := db.Change{Source: db.SourceAPI, Actor: "api-key:1 crm"}
		k2 := db.Change{Source: db.SourceAPI, Actor: "api-key:2 hr"}
		put("b@x.example", "+31612345678", k1)
		put("b@x.example", "+31612345679", k2)
		put("b@x.example", "+31612345678", k1)
		if f := open(); len(f) != 2 {
			t.Errorf("two keys: %d open flags, want 2", len(f))
		}
		u := mustUser(t, s, org, "arts@gemeente.example")
		pb := db.PersonalBook(org.ID, u.ID)
		for i, ch := range []db.Change{imp, man, imp} {
			if _, _, err := s.PutContact(ctx, pb, db.ContactInput{Email: "p@x.example", Phone: ptr("+3161234567" + string(rune('0'+i)))}, ch); err != nil {
				t.Fatal(err)
			}
		}
		if f := open(); len(f) != 2 {
			t.Errorf("a personal book was flagged: %d open", len(f))
		}
		// Another organisation sees none of it.
		other := mustOrg(t, s, "Ander", "ander.example")
		if f, _ := s.Flags(ctx, other.ID, true); len(f) != 0 {
			t.Errorf("another organisation sees %d flags", len(f))
		}
		// Deleting the entry removes its flag.
		if err := s.DeleteContact(ctx, book, c.ID, man); err != nil {
			t.Fatal(err)
		}
		if f := open(); len(f) != 1 {
			t.Errorf("after deleting: %d open", len(f))
		}
	})
}

func TestAPIKeysStore(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Gemeente", "gemeente.example")
		hash := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		var k db.APIKey
		err := s.InTx(ctx, func(tx *db.Tx) error {
			var err error
			k, err = tx.CreateAPIKey(ctx, db.NewAPIKey{OrgID: org.ID, Name: "crm", TokenHash: hash, Prefix: "sluis_abcd"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.APIKeyByHash(ctx, hash)
		if err != nil || got.ID != k.ID || got.OrgID != org.ID {
			t.Fatalf("by hash = %+v, %v", got, err)
		}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.TouchAPIKey(ctx, org.ID, k.ID) }); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *db.Tx) error { _, err := tx.RevokeAPIKey(ctx, org.ID, k.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.APIKeyByHash(ctx, hash); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a revoked key still works: %v", err)
		}
		list, err := s.APIKeys(ctx, org.ID)
		if err != nil || len(list) != 1 || !list[0].Revoked() || list[0].LastUsedAt.IsZero() {
			t.Errorf("keys = %+v, %v", list, err)
		}
	})
}

func TestContactsAfterPages(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Gemeente", "gemeente.example")
		book := db.OrgBook(org.ID)
		for _, a := range []string{"c@x.example", "a@x.example", "e@x.example", "b@x.example", "d@x.example"} {
			if _, _, err := s.PutContact(ctx, book, db.ContactInput{Email: a, FullName: ptr("N")}, db.Change{Source: db.SourceAPI}); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		after := ""
		for range 3 {
			page, err := s.ContactsAfter(ctx, book, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				seen = append(seen, c.Email)
			}
			if len(page) > 0 {
				after = page[len(page)-1].Email
			}
		}
		if want := []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example"}; !slices.Equal(seen, want) {
			t.Errorf("pages = %v", seen)
		}
		if n, err := s.CountContacts(ctx, book, "B@X"); err != nil || n != 1 {
			t.Errorf("count = %d, %v", n, err)
		}
	})
}
