package db_test

import (
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestMessageDefects stores what the MIME parser repaired with a message
// and reads it back through every query that returns messages.
func TestMessageDefects(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Ziekenhuis", "zkh.example")
		u := mustUser(t, s, org, "arts@zkh.example")
		now := time.Now().UTC()
		defects := `[{"kind":"closing_boundary_missing","where":"part 1"}]`
		var ids []int64
		for i, d := range []string{defects, ""} {
			nm := &db.NewMessage{Message: db.Message{UID: "uid-" + string(rune('a'+i)), OrgID: org.ID, SenderID: u.ID,
				UnitID: u.UnitID, State: db.StateReleased, Subject: []byte("sealed"), Defects: d,
				CreatedAt: now.Add(time.Duration(i) * time.Second), ReleasedAt: now, ExpiresAt: now.Add(time.Hour)}}
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, nm) }); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, nm.Message.ID)
		}
		if m, err := s.Message(ctx, org.ID, ids[0]); err != nil || m.Defects != defects {
			t.Errorf("Message: %q, %v", m.Defects, err)
		}
		if m, err := s.MessageByUID(ctx, org.ID, "uid-b"); err != nil || m.Defects != "" {
			t.Errorf("MessageByUID: %q, %v", m.Defects, err)
		}
		sent, err := s.SentMessages(ctx, org.ID, u.ID, db.SentQuery{})
		if err != nil || len(sent) != 2 || sent[0].Defects != "" || sent[1].Defects != defects {
			t.Errorf("SentMessages: %+v, %v", sent, err)
		}
	})
}
