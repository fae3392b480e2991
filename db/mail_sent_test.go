package db_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestMailSentRecords: a record is found only for its own organisation and
// job, recording twice keeps the first time, and the sweep removes only
// records older than its cutoff.
func TestMailSentRecords(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		a, b := mustOrg(t, s, "A", "a.nl"), mustOrg(t, s, "B", "b.nl")
		job := db.SentJob{OrgID: a.ID, JobID: 3, Created: clock.Now().Add(-time.Minute), Kind: "notify_recipient"}
		if _, err := s.MailSentAt(ctx, job); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("before any record: %v", err)
		}
		first, err := s.RecordMailSent(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if _, err := s.RecordMailSent(ctx, job); err != nil {
			t.Fatalf("recording again: %v", err)
		}
		if at, err := s.MailSentAt(ctx, job); err != nil || !at.Equal(first) {
			t.Errorf("after two records: %v, %v; want the first, %v", at, err, first)
		}
		other := job
		other.OrgID = b.ID
		if _, err := s.MailSentAt(ctx, other); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation's job with the same id: %v", err)
		}
		if n, err := s.SweepMailSent(ctx, first); err != nil || n != 0 {
			t.Errorf("sweeping at the record's own time removed %d: %v", n, err)
		}
		if n, err := s.SweepMailSent(ctx, first.Add(time.Second)); err != nil || n != 1 {
			t.Errorf("sweeping after it removed %d: %v", n, err)
		}
		if _, err := s.MailSentAt(ctx, job); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a swept record: %v", err)
		}
	})
}

// TestBatchedNotificationRecords: a group's records and marks written with
// a few statements — batches that span several statements and that are
// padded to a statement's size — record every mail, mark every recipient
// notified with its relay reply (an empty reply keeps the one before), and
// fail with ErrNotFound when a recipient is not of its organisation.
func TestBatchedNotificationRecords(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		org, other := mustOrg(t, s, "A", "a.nl"), mustOrg(t, s, "B", "b.nl")
		u := mustUser(t, s, org, "arts@a.nl")
		now := clock.Now()
		nm := db.NewMessage{Message: db.Message{UID: "batch", OrgID: org.ID, SenderID: u.ID, UnitID: u.UnitID,
			State: db.StateReleased, Subject: []byte("sealed"), CreatedAt: now, ReleasedAt: now, ExpiresAt: now.Add(time.Hour)}}
		for i := range 70 {
			id := fmt.Sprintf("r%d", i)
			nm.Recipients = append(nm.Recipients, db.Recipient{Address: id + "@example.com", Field: "to", Method: db.MethodSMS,
				Phone: "+31612345678", LinkNonce: id, TokenHash: "hash-" + id, StatusAt: now})
		}
		if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, &nm) }); err != nil {
			t.Fatal(err)
		}
		var jobs []db.SentJob
		for i := range 130 {
			jobs = append(jobs, db.SentJob{OrgID: org.ID, JobID: int64(i + 1), Created: now, Kind: "notify_message", Part: int64(i)})
		}
		var ns []db.Notified
		for i, rc := range nm.Recipients {
			ns = append(ns, db.Notified{OrgID: org.ID, RecipientID: rc.ID, Reply: fmt.Sprintf("250 queued as %d", i)})
		}
		err := s.InTx(ctx, func(tx *db.Tx) error {
			at, err := tx.RecordMailsSent(ctx, jobs)
			if err != nil {
				return err
			}
			if err := tx.MarkAllNotified(ctx, at, ns); err != nil { // 70 rows: padded to 100
				return err
			}
			// three again, the first with no reply: padded to four
			return tx.MarkAllNotified(ctx, at, []db.Notified{{OrgID: org.ID, RecipientID: ns[0].RecipientID}, ns[1], ns[2]})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if _, err := s.MailSentAt(ctx, j); err != nil {
				t.Fatalf("job %d: %v", j.JobID, err)
			}
		}
		replies, err := s.RelayReplies(ctx, org.ID, nm.Message.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, rc := range nm.Recipients {
			got, err := s.Recipient(ctx, org.ID, rc.ID)
			if err != nil || got.Status != db.StatusNotified || replies[rc.ID] != fmt.Sprintf("250 queued as %d", i) {
				t.Fatalf("recipient %d: status %q, reply %q, %v", i, got.Status, replies[rc.ID], err)
			}
		}
		err = s.InTx(ctx, func(tx *db.Tx) error {
			return tx.MarkAllNotified(ctx, now, []db.Notified{ns[3], {OrgID: other.ID, RecipientID: ns[4].RecipientID}})
		})
		if !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a recipient of another organisation: %v", err)
		}
	})
}
