package delivery

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/jobs"
	"sluis/portal/mime"
	"sluis/portal/vault"
)

// sweepFixture is a Service whose clock runs two hours ahead, so every
// blob is past the grace period, with one referenced message and n
// orphans (sorted by id).
func sweepFixture(t *testing.T, n int) (f *fixture, svc *Service, blobs *vault.FS, orphans []string) {
	t.Helper()
	f = newFixture(t)
	keys, err := vault.LoadOrCreateKey(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if blobs, err = vault.NewFS(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	v := vault.New(keys, blobs)
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	svc = New(Options{Store: f.store, Vault: v, Blobs: blobs, Keys: keys, Jobs: f.jobs, Text: f.svc.opt.Text, Now: later})
	t.Cleanup(svc.Close)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	if err := svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"},
		Message: &mime.Message{Subject: "s", Text: "kept"}}); err != nil {
		t.Fatal(err)
	}
	for range n {
		id, _, err := v.Put(ctx, strings.NewReader("from a crash before the commit"))
		if err != nil {
			t.Fatal(err)
		}
		orphans = append(orphans, id)
	}
	slices.Sort(orphans)
	return f, svc, blobs, orphans
}

// remaining lists the blobs left in the store.
func remaining(t *testing.T, blobs vault.BlobStore) []string {
	t.Helper()
	var ids []string
	if err := blobs.List(ctx, "", time.Now().Add(time.Hour), func(id string) error {
		ids = append(ids, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestSweepResumesAfterWhereItStopped(t *testing.T) {
	_, svc, blobs, orphans := sweepFixture(t, 6)
	body := slices.DeleteFunc(remaining(t, blobs), func(id string) bool { return slices.Contains(orphans, id) })

	p, err := svc.sweepBlobs(ctx, "", time.Unix(1, 0)) // out of time at once
	if err != nil || p.done || p.removed != 0 || p.resume != "" {
		t.Fatalf("a slice with no time = %+v, %v; want no progress and not done", p, err)
	}
	p, err = svc.sweepBlobs(ctx, orphans[2], time.Time{})
	if err != nil || !p.done || p.removed != 3 {
		t.Fatalf("sweep after %s = %+v, %v; want the 3 later orphans removed", orphans[2], p, err)
	}
	want := append(slices.Clone(orphans[:3]), body...)
	slices.Sort(want)
	if got := remaining(t, blobs); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
}

// TestSweepJobRunsThroughRiver runs the periodic job as River does and
// checks that it removed the orphans and kept the message's blob.
func TestSweepJobRunsThroughRiver(t *testing.T) {
	f, svc, blobs, orphans := sweepFixture(t, 3)
	w := river.NewWorkers()
	if err := svc.AddWorkers(w); err != nil {
		t.Fatal(err)
	}
	c, err := jobs.New(f.store, jobs.Options{Workers: w})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	if err := f.store.InTx(ctx, func(tx *db.Tx) error {
		return c.InsertTx(ctx, tx, SweepBlobsArgs{}, jobs.OneAtATime())
	}); err != nil {
		t.Fatal(err)
	}
	before := len(remaining(t, blobs))
	for end := time.Now().Add(30 * time.Second); len(remaining(t, blobs)) != before-len(orphans); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the sweep job left %d of %d blobs", len(remaining(t, blobs)), before)
		}
	}
	for _, id := range remaining(t, blobs) {
		if slices.Contains(orphans, id) {
			t.Errorf("orphan %s survived", id)
		}
	}
}
