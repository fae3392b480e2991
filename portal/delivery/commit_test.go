package delivery

import (
	"errors"
	"sync"
	"testing"

	"sluis/db"
	"sluis/portal/mime"
)

// TestGroupCommitIsolatesAFailure: when one message of a batch cannot be
// stored, the others are still committed and only its submitter hears.
func TestGroupCommitIsolatesAFailure(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	pol, err := f.svc.unitSettings(ctx, f.sender)
	if err != nil {
		t.Fatal(err)
	}
	build := func() *db.NewMessage {
		t.Helper()
		nm, _, err := f.svc.newMessage(ctx, f.org, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"},
			Message: &mime.Message{Subject: "s", Text: "t"}}, []db.Recipient{{Address: "a@example.com", Field: "to", Method: db.MethodSMS}}, pol)
		if err != nil {
			t.Fatal(err)
		}
		return nm
	}
	good1, bad, good2 := build(), build(), build()
	bad.Message.UID = good1.Message.UID // a unique-key clash
	reqs := []commitReq{{ctx: ctx, nm: good1, done: make(chan error, 1)}, {ctx: ctx, nm: bad, done: make(chan error, 1)}, {ctx: ctx, nm: good2, done: make(chan error, 1)}}
	f.svc.commits.run(reqs)
	if err := <-reqs[0].done; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-reqs[1].done; !errors.Is(err, db.ErrDuplicate) {
		t.Errorf("clashing message: %v, want ErrDuplicate", err)
	}
	if err := <-reqs[2].done; err != nil {
		t.Errorf("third: %v", err)
	}
	for _, nm := range []*db.NewMessage{good1, good2} {
		if _, err := f.store.Message(ctx, f.org.ID, nm.Message.ID); err != nil {
			t.Errorf("message %d not stored: %v", nm.Message.ID, err)
		}
	}
	if n := len(f.jobs.jobs); n < 2 {
		t.Errorf("%d jobs recorded", n)
	}
}

// TestConcurrentSubmissions: many submitters at once are all stored.
func TestConcurrentSubmissions(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			errs <- f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: &mime.Message{Subject: "s", Text: "t"}})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for id := int64(1); id <= 40; id++ {
		if _, err := f.store.Message(ctx, f.org.ID, id); err != nil {
			t.Errorf("message %d: %v", id, err)
		}
	}
	f.svc.Close()
}
