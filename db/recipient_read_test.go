package db_test

import (
	"errors"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestRecipientByTokenWithMessage: one query returns the recipient of a
// token hash and its message, as the two single-row calls do, the kept
// sanitized body included; an unknown hash is ErrNotFound.
func TestRecipientByTokenWithMessage(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Ziekenhuis", "zkh.example")
		u := mustUser(t, s, org, "arts@zkh.example")
		now := time.Now().UTC().Truncate(time.Microsecond)
		nm := &db.NewMessage{Message: db.Message{UID: "uid-a", OrgID: org.ID, SenderID: u.ID, UnitID: u.UnitID,
			State: db.StateReleased, Subject: []byte("sealed"), HTMLBlob: "html-1", CreatedAt: now, ReleasedAt: now,
			ExpiresAt: now.Add(time.Hour)},
			Recipients: []db.Recipient{{Address: "a@example.com", Field: "to", Method: db.MethodSMS, TokenHash: "hash-a"},
				{Address: "b@example.com", Field: "cc", Method: db.MethodSMS, TokenHash: "hash-b"}}}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, nm) }); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SetSafeHTML(ctx, org.ID, nm.Message.ID, "safe-1", 2, 3); err != nil || !ok {
			t.Fatalf("SetSafeHTML: %v %v", ok, err)
		}
		rc, m, err := s.RecipientByTokenWithMessage(ctx, "hash-b")
		if err != nil {
			t.Fatal(err)
		}
		wantRc, err := s.RecipientByToken(ctx, "hash-b")
		if err != nil {
			t.Fatal(err)
		}
		wantM, err := s.Message(ctx, org.ID, nm.Message.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rc != wantRc || m.ID != wantM.ID || m.UID != "uid-a" || m.HTMLBlob != "html-1" || m.SafeHTMLBlob != "safe-1" ||
			m.SafeHTMLVersion != 2 || m.SafeHTMLBlocked != 3 || !m.ExpiresAt.Equal(wantM.ExpiresAt) || !m.ReleasedAt.Equal(now) || rc.Address != "b@example.com" {
			t.Errorf("got %+v\n%+v", rc, m)
		}
		if _, _, err := s.RecipientByTokenWithMessage(ctx, "hash-x"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown hash: %v", err)
		}
	})
}
