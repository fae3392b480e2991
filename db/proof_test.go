package db_test

import (
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestProofRecords keeps a message's digest, a notification's relay reply
// and the events about a message, each within its organisation only.
func TestProofRecords(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Ziekenhuis", "zkh.example")
		other := mustOrg(t, s, "Ander", "ander.example")
		u := mustUser(t, s, org, "arts@zkh.example")
		now := time.Now().UTC()
		digest := strings.Repeat("ab", 32)
		nm := &db.NewMessage{Message: db.Message{UID: "uid-proof", OrgID: org.ID, SenderID: u.ID, UnitID: u.UnitID,
			State: db.StateReleased, Subject: []byte("sealed"), RawSHA256: digest, CreatedAt: now, ReleasedAt: now,
			ExpiresAt: now.Add(time.Hour)},
			Recipients: []db.Recipient{{Address: "p@example.com", Field: "to", Method: db.MethodSMS, StatusAt: now,
				LinkNonce: "n", TokenHash: "h-proof"}}}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, nm) }); err != nil {
			t.Fatal(err)
		}
		if m, err := s.MessageByUID(ctx, org.ID, "uid-proof"); err != nil || m.RawSHA256 != digest {
			t.Errorf("digest %q (%v)", m.RawSHA256, err)
		}
		rc := nm.Recipients[0]
		err := s.InTx(ctx, func(tx *db.Tx) error {
			if err := tx.RecordRelayReply(ctx, other.ID, rc.ID, "250 evil"); err != nil {
				return err
			}
			return tx.RecordRelayReply(ctx, org.ID, rc.ID, "250 2.0.0 queued as "+strings.Repeat("x", 600))
		})
		if err != nil {
			t.Fatal(err)
		}
		replies, err := s.RelayReplies(ctx, org.ID, nm.Message.ID)
		if err != nil || len(replies[rc.ID]) != 512 || !strings.HasPrefix(replies[rc.ID], "250 2.0.0 queued") {
			t.Errorf("relay replies %v (%v)", replies, err)
		}
		if replies, err := s.RelayReplies(ctx, other.ID, nm.Message.ID); err != nil || len(replies) != 0 {
			t.Errorf("another organisation read %v (%v)", replies, err)
		}
		for i, kind := range []string{"recipient.view", "recipient.download"} {
			e := db.AuditEvent{OrgID: org.ID, At: now.Add(time.Duration(i) * time.Second), Actor: "recipient:1", Kind: kind, Target: "message:uid-proof"}
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AppendAudit(ctx, db.AuditEvent{OrgID: org.ID, Actor: "x", Kind: "recipient.view", Target: "message:another"}); err != nil {
			t.Fatal(err)
		}
		events, err := s.AuditEventsOf(ctx, org.ID, "message:uid-proof")
		if err != nil || len(events) != 2 || events[0].Kind != "recipient.view" || events[1].Kind != "recipient.download" {
			t.Errorf("events of the message: %+v (%v)", events, err)
		}
		if events, err := s.AuditEventsOf(ctx, other.ID, "message:uid-proof"); err != nil || len(events) != 0 {
			t.Errorf("another organisation read %+v (%v)", events, err)
		}
	})
}
