package db_test

import (
	"context"
	"strconv"
	"sync"
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

// TestAuditAppendsAtOnce: events appended at the same time are committed
// in groups, and every caller learns its own event's fate: the good ones
// are all in the log, an event that cannot be written (an organisation
// that does not exist) fails alone, and one whose caller gave up before
// the commit is not written.
func TestAuditAppendsAtOnce(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		o := mustOrg(t, s, "A", "a.nl")
		const n = 200
		gone, cancel := context.WithCancel(ctx)
		cancel()
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				e, c := db.AuditEvent{OrgID: o.ID, Actor: "system", Kind: "test.event", Detail: strconv.Itoa(i)}, ctx
				switch {
				case i%50 == 7:
					e.OrgID = o.ID + 1000 // no such organisation
				case i%50 == 9:
					c = gone
				}
				errs[i] = s.AppendAudit(c, e)
			})
		}
		wg.Wait()
		want := map[string]bool{}
		for i, err := range errs {
			bad := i%50 == 7 || i%50 == 9
			if bad != (err != nil) {
				t.Errorf("event %d: %v", i, err)
			}
			if !bad {
				want[strconv.Itoa(i)] = true
			}
		}
		got, err := s.AuditEvents(ctx, o.ID, db.AuditQuery{Kind: "test.event", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			if !want[e.Detail] {
				t.Errorf("event %s is in the log", e.Detail)
			}
			delete(want, e.Detail)
		}
		if len(want) != 0 {
			t.Errorf("%d acknowledged events are missing", len(want))
		}
	})
}
