package vault

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestFSCommitMakesPrivateBlobInShard(t *testing.T) {
	v := newTestVault(t)
	w, err := v.fs.Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("sealed bytes")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	id := w.ID()
	if !validID(id) {
		t.Fatalf("id %q is not 32 hex digits", id)
	}
	if got, want := v.blobFiles(t), []string{filepath.Join(id[:2], id)}; !slices.Equal(got, want) {
		t.Fatalf("blob files = %v, want %v", got, want)
	}
	fi, err := os.Stat(filepath.Join(v.data, "blobs", id[:2], id))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("blob mode = %04o, want 0600", fi.Mode().Perm())
	}
	if err := w.Commit(); !errors.Is(err, errDone) {
		t.Errorf("second Commit = %v, want errDone", err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort after Commit = %v, want nil", err)
	}
}

func TestFSAbortLeavesNothing(t *testing.T) {
	v := newTestVault(t)
	w, err := v.fs.Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pattern(1000)); err != nil {
		t.Fatal(err)
	}
	if got := v.blobFiles(t); len(got) != 1 {
		t.Fatalf("while writing: %v, want one temp file", got)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := v.blobFiles(t); len(got) != 0 {
		t.Fatalf("after Abort: %v, want nothing", got)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, errDone) {
		t.Errorf("Write after Abort = %v, want errDone", err)
	}
}

func TestFSMissingAndInvalidIDs(t *testing.T) {
	v := newTestVault(t)
	ctx := context.Background()
	missing := newID()
	if _, err := v.fs.Open(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open missing = %v, want ErrNotFound", err)
	}
	if err := v.fs.Delete(ctx, missing); err != nil {
		t.Errorf("Delete missing = %v, want nil", err)
	}
	for _, id := range []string{"", "../../master.key", "tmp", missing[:31], missing + "0", "ABCDEF0123456789abcdef0123456789"} {
		if _, err := v.fs.Open(ctx, id); !errors.Is(err, errBadID) {
			t.Errorf("Open(%q) = %v, want errBadID", id, err)
		}
		if err := v.fs.Delete(ctx, id); !errors.Is(err, errBadID) {
			t.Errorf("Delete(%q) = %v, want errBadID", id, err)
		}
	}
}

func TestFSDeleteRemovesBlob(t *testing.T) {
	v := newTestVault(t)
	id := v.put(t, []byte("bye"))
	if err := v.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open deleted = %v, want ErrNotFound", err)
	}
}

func TestFSSweepTempRemovesOnlyStaleTempFiles(t *testing.T) {
	v := newTestVault(t)
	ctx := context.Background()
	committed := v.put(t, []byte("kept"))
	backdate(t, v.fs.path(committed), 2*time.Hour)
	crashed := v.fs.tmpPath(newID())
	writeFile(t, crashed, []byte("left by a crash"), 0o600)
	backdate(t, crashed, 2*time.Hour)
	live, err := v.Writer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = live.Abort() }()

	n, err := v.fs.SweepTemp(ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("SweepTemp = %d, %v; want 1, nil", n, err)
	}
	if _, err := os.Stat(crashed); !errors.Is(err, os.ErrNotExist) {
		t.Error("stale temp file survived")
	}
	if got := v.blobFiles(t); len(got) != 2 {
		t.Errorf("after sweep: %v, want the committed blob and the live temp file", got)
	}
	if _, _, err := live.Commit(); err != nil {
		t.Errorf("live writer broken by sweep: %v", err)
	}
}

func TestFSHonoursCancelledContext(t *testing.T) {
	v := newTestVault(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.fs.Create(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Create = %v", err)
	}
	if _, _, err := v.Put(ctx, io.LimitReader(zeros{}, 10)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put = %v", err)
	}
	if err := v.fs.List(ctx, "", time.Now(), func(string) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("List = %v", err)
	}
	if got := v.blobFiles(t); len(got) != 0 {
		t.Errorf("cancelled calls left %v", got)
	}
}

// backdate sets a file's modification time d in the past.
func backdate(t testing.TB, path string, d time.Duration) {
	t.Helper()
	old := time.Now().Add(-d)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// zeros reads endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
