package db_test

import (
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestMailMethodAllowed: migration 00019 widened the recipients' method
// check to 'mail' on both dialects, and still refuses a method it does not
// name; the recipient reads back with its method.
func TestMailMethodAllowed(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Gemeente", "gemeente.example")
		u := mustUser(t, s, org, "balie@gemeente.example")
		now := time.Now().UTC()
		insert := func(uid, method string) (db.NewMessage, error) {
			nm := db.NewMessage{Message: db.Message{UID: uid, OrgID: org.ID, SenderID: u.ID, UnitID: u.UnitID,
				State: db.StateReleased, Subject: []byte("sealed"), CreatedAt: now, ReleasedAt: now, ExpiresAt: now.Add(time.Hour)},
				Recipients: []db.Recipient{{Address: "burger@example.com", Field: "to", Method: method, DataSource: db.SourceChannel,
					LinkNonce: uid + "-nonce", TokenHash: uid + "-hash", StatusAt: now}}}
			err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, &nm) })
			return nm, err
		}
		nm, err := insert("mail-1", db.MethodMail)
		if err != nil {
			t.Fatalf("a recipient verified by a mailed code: %v", err)
		}
		rc, err := s.Recipient(ctx, org.ID, nm.Recipients[0].ID)
		if err != nil || rc.Method != db.MethodMail {
			t.Errorf("read back: method %q, %v", rc.Method, err)
		}
		if _, err := insert("pigeon-1", "pigeon"); err == nil {
			t.Error("a method the check does not name was stored")
		}
	})
}
