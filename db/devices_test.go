package db_test

import (
	"errors"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestDevicesAcrossOrganisations: every device query carries the
// organisation, and an address-book change ends the devices of its
// address (or of its domain) in the same transaction, with an audit event.
func TestDevicesAcrossOrganisations(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		now := time.Now().UTC().Truncate(time.Microsecond)
		add := func(org db.Org, hash, addr string) db.Device {
			d := db.Device{TokenHash: hash, OrgID: org.ID, Address: addr, Proof: "p", CreatedAt: now, LastUsedAt: now,
				ExpiresAt: now.Add(time.Hour)}
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.AddDevice(ctx, &d) }); err != nil {
				t.Fatal(err)
			}
			return d
		}
		da := add(a, "h1", "p@q.nl")
		add(a, "h2", "r@Dom.NL")
		if _, err := s.DeviceByToken(ctx, b.ID, "h1"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("DeviceByToken across organisations: %v", err)
		}
		if _, err := s.Device(ctx, b.ID, da.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Device across organisations: %v", err)
		}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.DeleteDevice(ctx, b.ID, da.ID) }); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("DeleteDevice across organisations: %v", err)
		}
		if ds, _ := s.Devices(ctx, b.ID, now); len(ds) != 0 {
			t.Errorf("B lists A's devices: %v", ds)
		}
		if ds, _ := s.Devices(ctx, a.ID, now.Add(2*time.Hour)); len(ds) != 0 {
			t.Errorf("expired devices listed: %v", ds)
		}
		// B's book changing the same address leaves A's device alone.
		if _, _, err := s.PutContact(ctx, db.OrgBook(b.ID), db.ContactInput{Email: "p@q.nl", Phone: ptr("+31612345678")},
			db.Change{Source: db.SourceManual}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, a.ID, "h1"); err != nil {
			t.Errorf("another organisation's book ended A's device: %v", err)
		}
		// A's name change leaves it; A's number change ends it.
		if _, _, err := s.PutContact(ctx, db.OrgBook(a.ID), db.ContactInput{Email: "p@q.nl", FullName: ptr("P")},
			db.Change{Source: db.SourceManual}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, a.ID, "h1"); err != nil {
			t.Errorf("a name change ended the device: %v", err)
		}
		if _, _, err := s.PutContact(ctx, db.OrgBook(a.ID), db.ContactInput{Email: "p@q.nl", Phone: ptr("+31612345679")},
			db.Change{Source: db.SourceImport, Actor: "cli"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, a.ID, "h1"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the device outlived a number change: %v", err)
		}
		// A domain entry's access code ends the devices of its addresses.
		if _, _, err := s.PutContact(ctx, db.OrgBook(a.ID), db.ContactInput{Email: "dom.nl", AccessCodeHash: ptr("$argon2id$x")},
			db.Change{Source: db.SourceManual}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeviceByToken(ctx, a.ID, "h2"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the device outlived its domain's new access code: %v", err)
		}
		evs, err := s.AuditEvents(ctx, a.ID, db.AuditQuery{Kind: "device.revoke"})
		if err != nil || len(evs) != 2 {
			t.Errorf("revocations audited: %d (%v), want 2", len(evs), err)
		}
	})
}
