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
		if _, _, err := jobs.SendOnce(ctx, s, org.ID, job, func(context.Context) error { sends++; return relayDown }, nil); !errors.Is(err, relayDown) {
			t.Fatalf("a failed send: %v, want the relay's error", err)
		}
		jctx, timeUp := context.WithCancel(ctx)
		_, before, err := jobs.SendOnce(jctx, s, org.ID, job, func(context.Context) error { sends++; timeUp(); return nil }, nil)
		if err != nil || before {
			t.Fatalf("a send accepted as the job's time ran out: before %v, %v", before, err)
		}
		at, before, err := jobs.SendOnce(ctx, s, org.ID, job, func(context.Context) error { sends++; return nil }, nil)
		if err != nil || !before || at.IsZero() {
			t.Fatalf("the retry: before %v at %v, %v", before, at, err)
		}
		if sends != 2 {
			t.Errorf("send ran %d times, want 2 (the failure and the accepted one)", sends)
		}
		reused := &rivertype.JobRow{ID: 7, Kind: "notify_recipient", CreatedAt: created.Add(48 * time.Hour)}
		if _, before, err := jobs.SendOnce(ctx, s, org.ID, reused, func(context.Context) error { sends++; return nil }, nil); err != nil || before {
			t.Errorf("a new job with a reused id: before %v, %v", before, err)
		}
		if sends != 3 {
			t.Errorf("the new job with a reused id sent nothing")
		}
	})
}

// TestSendOnceThen: what the mail changes is committed with the record; if
// it fails, the record is kept alone and the error returned, so the retry
// sends nothing and is told an earlier run sent the mail.
func TestSendOnceThen(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Ziekenhuis", Domains: []string{"zkh.nl"}})
		if err != nil {
			t.Fatal(err)
		}
		send := func(context.Context) error { return nil }
		rename := func(name string) func(context.Context, *db.Tx, time.Time) error {
			return func(ctx context.Context, tx *db.Tx, _ time.Time) error {
				_, err := tx.SQL().ExecContext(ctx, q(s, `UPDATE organizations SET name = ? WHERE id = ?`), name, org.ID)
				return err
			}
		}
		job := &rivertype.JobRow{ID: 1, Kind: "notify_recipient", CreatedAt: time.Now()}
		if _, _, err := jobs.SendOnce(ctx, s, org.ID, job, send, rename("Ziekenhuis West")); err != nil {
			t.Fatal(err)
		}
		if got := orgName(t, s, org.ID); got != "Ziekenhuis West" {
			t.Errorf("then's change is missing: %q", got)
		}
		failing := errors.New("the recipient is gone")
		job2 := &rivertype.JobRow{ID: 2, Kind: "notify_recipient", CreatedAt: time.Now()}
		_, _, err = jobs.SendOnce(ctx, s, org.ID, job2, send, func(context.Context, *db.Tx, time.Time) error { return failing })
		if !errors.Is(err, failing) || errors.Is(err, jobs.ErrNotRecorded) {
			t.Fatalf("then failed: %v, want its error and the record kept", err)
		}
		_, before, err := jobs.SendOnce(ctx, s, org.ID, job2, func(context.Context) error { t.Error("sent again"); return nil }, nil)
		if err != nil || !before {
			t.Errorf("the retry after then failed: before %v, %v", before, err)
		}
	})
}

func orgName(t *testing.T, s *db.Store, id int64) string {
	t.Helper()
	o, err := s.Org(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o.Name
}
