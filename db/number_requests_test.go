package db_test

import (
	"errors"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestNumberRequests: the counts the limits read, the tenant rule, and
// a recipient's new data and link, on both databases.
func TestNumberRequests(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		u := mustUser(t, s, a, "arts@a.nl")
		now := time.Now().UTC().Truncate(time.Microsecond)
		nm := &db.NewMessage{Message: db.Message{UID: "m1", OrgID: a.ID, SenderID: u.ID, UnitID: u.UnitID, State: db.StateReleased,
			Subject: []byte("s"), CreatedAt: now, ReleasedAt: now, ExpiresAt: now.Add(time.Hour)},
			Recipients: []db.Recipient{{Address: "p@q.nl", Field: "to", Method: db.MethodSMS, Phone: "+31612345678",
				Status: db.StatusNotified, LinkNonce: "n1", TokenHash: "t1"}}}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, nm) }); err != nil {
			t.Fatal(err)
		}
		rc := nm.Recipients[0]
		add := func(org int64, uid, network string, mailed bool, at time.Time) error {
			return s.InTx(ctx, func(tx *db.Tx) error {
				return tx.AddNumberRequest(ctx, &db.NumberRequest{UID: uid, OrgID: org, MessageID: rc.MessageID, RecipientID: rc.ID,
					Network: network, Mailed: mailed, CreatedAt: at})
			})
		}
		if err := add(b.ID, "x", "n", true, now); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a request for another organisation's recipient: %v", err)
		}
		for i, mailed := range []bool{true, true, false} {
			if err := add(a.ID, "r"+string(rune('0'+i)), "192.0.2.0/24", mailed, now.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		var c db.NumberRequestCounts
		err := s.InTx(ctx, func(tx *db.Tx) (err error) {
			c, err = tx.CountNumberRequests(ctx, a.ID, rc.ID, "192.0.2.0/24", now, now.Add(-time.Hour))
			return err
		})
		if err != nil || c.Network != 2 || c.Mailed != 2 {
			t.Errorf("counts %+v (%v), want 2 from the network after the first, 2 mailed", c, err)
		}
		if _, err := s.NumberRequestByUID(ctx, b.ID, "r0"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("NumberRequestByUID across organisations: %v", err)
		}
		change := func(org int64) error {
			return s.InTx(ctx, func(tx *db.Tx) error {
				if err := tx.CloseNumberRequests(ctx, org, rc.ID, u.ID, now); err != nil {
					return err
				}
				return tx.ChangeRecipientData(ctx, org, db.RecipientData{RecipientID: rc.ID, Method: db.MethodSMS, Phone: "+31687654321",
					Display: "x", Source: db.SourceRecipientRequest}, "n2", "t2", now)
			})
		}
		if err := change(b.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation changed the recipient: %v", err)
		}
		if err := change(a.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recipient(ctx, a.ID, rc.ID)
		if err != nil || got.Phone != "+31687654321" || got.TokenHash != "t2" || got.Status != db.StatusPending {
			t.Errorf("recipient after the change: %+v, %v", got, err)
		}
		if r, _ := s.NumberRequestByUID(ctx, a.ID, "r2"); r.DoneAt.IsZero() || r.DoneBy != u.ID {
			t.Errorf("request not closed: %+v", r)
		}
		if err := change(a.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("closing closed requests: %v", err)
		}
	})
}
