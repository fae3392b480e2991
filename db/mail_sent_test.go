package db_test

import (
	"errors"
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
