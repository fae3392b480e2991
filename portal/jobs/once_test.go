package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/jobs"
)

// TestSendOnce runs one job's send through the cases a mail job meets: a
// relay that fails (nothing recorded, the retry sends), a job whose time
// runs out just as the relay answers 250 (recorded all the same), and a
// retry after that (nothing sent). A job with the same id but another
// creation time, as SQLite may hand out, is a new job.
func TestSendOnce(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Ziekenhuis", Domains: []string{"zkh.nl"}})
		if err != nil {
			t.Fatal(err)
		}
		created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		job := &rivertype.JobRow{ID: 7, Kind: "notify_recipient", CreatedAt: created}
		sends := 0
		relayDown := errors.New("451 4.3.0 try again later")
		if _, _, err := jobs.SendOnce(ctx, s, org.ID, job, func(context.Context) error { sends++; return relayDown }); !errors.Is(err, relayDown) {
			t.Fatalf("a failed send: %v, want the relay's error", err)
		}
		jctx, timeUp := context.WithCancel(ctx)
		_, before, err := jobs.SendOnce(jctx, s, org.ID, job, func(context.Context) error { sends++; timeUp(); return nil })
		if err != nil || before {
			t.Fatalf("a send accepted as the job's time ran out: before %v, %v", before, err)
		}
		at, before, err := jobs.SendOnce(ctx, s, org.ID, job, func(context.Context) error { sends++; return nil })
		if err != nil || !before || at.IsZero() {
			t.Fatalf("the retry: before %v at %v, %v", before, at, err)
		}
		if sends != 2 {
			t.Errorf("send ran %d times, want 2 (the failure and the accepted one)", sends)
		}
		reused := &rivertype.JobRow{ID: 7, Kind: "notify_recipient", CreatedAt: created.Add(48 * time.Hour)}
		if _, before, err := jobs.SendOnce(ctx, s, org.ID, reused, func(context.Context) error { sends++; return nil }); err != nil || before {
			t.Errorf("a new job with a reused id: before %v, %v", before, err)
		}
		if sends != 3 {
			t.Errorf("the new job with a reused id sent nothing")
		}
	})
}
