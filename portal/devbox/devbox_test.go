package devbox

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "box")
	f, err := Open(dir, ".txt")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	first, err := f.Put([]byte("one"), t0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.Put([]byte("two"), t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stray.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := f.IDs()
	if err != nil || len(ids) != 2 || ids[0] != second || ids[1] != first {
		t.Fatalf("IDs = %v, %v; want newest first", ids, err)
	}
	if got := Time(first); !got.Equal(t0) {
		t.Errorf("Time = %v", got)
	}
	if b, err := f.Read(first); err != nil || string(b) != "one" {
		t.Errorf("Read = %q, %v", b, err)
	}
	for _, id := range []string{"../../etc/passwd", "stray", "20261122T100000.000000000Z-00000000"} {
		if _, err := f.Read(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Read(%q) = %v, want ErrNotFound", id, err)
		}
	}
}
