package db_test

import (
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

func TestAuditLog(t *testing.T) {
	clock := dbtest.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	dbtest.Each(t, dbtest.Options{Now: clock.Now}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		events := []db.AuditEvent{
			{OrgID: a.ID, Actor: "user:1 admin@a.nl", ActorID: 0, Kind: "policy.change", Target: "unit:1", Before: "off", After: "any"},
			{OrgID: a.ID, Actor: "user:2 jan@a.nl", Kind: "signin.failed", IP: "192.0.2.1", Outcome: db.OutcomeFailed},
			{OrgID: a.ID, Actor: "user:2 jan@a.nl", Kind: "signin", IP: "192.0.2.1"},
			{OrgID: b.ID, Actor: "user:9 x@b.nl", Kind: "signin"},
		}
		for _, e := range events {
			clock.Advance(time.Minute)
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.AuditEvents(ctx, a.ID, db.AuditQuery{})
		if err != nil || len(all) != 3 || all[0].Kind != "signin" || all[2].Before != "off" {
			t.Fatalf("events = %+v, %v", all, err)
		}
		if got, _ := s.AuditEvents(ctx, a.ID, db.AuditQuery{Kind: "signin."}); len(got) != 1 || got[0].Outcome != db.OutcomeFailed {
			t.Errorf("kind prefix: %+v", got)
		}
		if got, _ := s.AuditEvents(ctx, a.ID, db.AuditQuery{Actor: "JAN@"}); len(got) != 2 {
			t.Errorf("actor filter: %d", len(got))
		}
		from := all[1].At // the clock is shared by the subtests: take times from the log
		if got, _ := s.AuditEvents(ctx, a.ID, db.AuditQuery{From: from, To: from.Add(time.Minute)}); len(got) != 1 || got[0].Kind != "signin.failed" {
			t.Errorf("time filter: %+v", got)
		}
		if got, _ := s.AuditEvents(ctx, b.ID, db.AuditQuery{}); len(got) != 1 {
			t.Errorf("organisation B sees %d events", len(got))
		}
	})
}
