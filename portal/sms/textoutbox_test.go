package sms

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func newTestOutbox(t *testing.T) (*TextOutbox, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "texts")
	ob, err := NewTextOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ob, dir
}

func TestTextOutboxListNewestFirst(t *testing.T) {
	ob, dir := newTestOutbox(t)
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, ref := range []string{"first", "second", "third"} {
		ob.now = func() time.Time { return start.Add(time.Duration(i) * time.Second) }
		if _, err := ob.store(Message{To: "+31612345678", Text: "code\n\nline " + ref, Reference: ref}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("stray"), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := ob.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("List = %d items, want 3 (stray files ignored)", len(items))
	}
	for i, ref := range []string{"third", "second", "first"} {
		if items[i].Reference != ref || items[i].Text != "code\n\nline "+ref {
			t.Errorf("items[%d] = %+v, want %s", i, items[i], ref)
		}
	}
	if !items[0].Time.Equal(start.Add(2 * time.Second)) {
		t.Errorf("time = %v", items[0].Time)
	}
	fi, err := os.Stat(filepath.Join(dir, items[0].ID+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestTextOutboxReadRefusesPaths(t *testing.T) {
	ob, dir := newTestOutbox(t)
	outside := filepath.Join(filepath.Dir(dir), "secret.txt")
	if err := os.WriteFile(outside, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A well-formed id whose file is a symlink out of the folder.
	linked := "20260301T090000.000000000Z-0000abcd"
	if err := os.Symlink(outside, filepath.Join(dir, linked+".txt")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "../secret", "../secret.txt", "/etc/passwd", "..", "20260301T090000.000000000Z-0000abcd/../../secret",
		"20260301T090000.000000000Z-12345678", linked} {
		raw, err := ob.Read(id)
		if err == nil {
			t.Errorf("Read(%q) = %q, want refused", id, raw)
		}
		if id != linked && (!errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist)) {
			t.Errorf("Read(%q): err = %v, want ErrNotFound", id, err)
		}
	}
}
