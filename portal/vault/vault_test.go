package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
)

func TestRoundTrip(t *testing.T) {
	v := newTestVault(t)
	const chunk = 64 << 10
	for _, n := range []int{0, 1, 50 << 10, chunk - 1, chunk, chunk + 1, 3*chunk + 17} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := pattern(n)
			got, err := v.read(t, v.put(t, want))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round trip of %d bytes differs", n)
			}
		})
	}
}

func TestWriterCommitReturnsIDAndSize(t *testing.T) {
	v := newTestVault(t)
	w, err := v.Writer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Abort() }()
	for _, part := range []string{"Hello, ", "world", "!"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	id, n, err := w.Commit()
	if err != nil || n != 13 {
		t.Fatalf("Commit = %q, %d, %v", id, n, err)
	}
	if got, err := v.read(t, id); err != nil || string(got) != "Hello, world!" {
		t.Fatalf("read %q, %v", got, err)
	}
	if _, _, err := w.Commit(); !errors.Is(err, errDone) {
		t.Errorf("second Commit = %v, want errDone", err)
	}
}

func TestWrongKeyCannotDecrypt(t *testing.T) {
	v := newTestVault(t)
	other := newTestVault(t)
	thief := New(other.keys, v.fs)
	id := v.put(t, []byte("for the right key only"))
	_, err := thief.Open(context.Background(), id)
	var noMatch *age.NoIdentityMatchError
	if !errors.As(err, &noMatch) {
		t.Fatalf("Open with the wrong key = %v, want NoIdentityMatchError", err)
	}
	sealed, err := v.Seal([]byte("subject"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := thief.Unseal(sealed); !errors.As(err, &noMatch) {
		t.Fatalf("Unseal with the wrong key = %v, want NoIdentityMatchError", err)
	}
}

func TestTamperedBlobFailsOnRead(t *testing.T) {
	const size = 3*64<<10 + 100
	cases := map[string]func(b []byte) []byte{
		"first chunk": func(b []byte) []byte { b[len(b)-size+10] ^= 1; return b },
		"middle":      func(b []byte) []byte { b[len(b)/2] ^= 0x80; return b },
		"last byte":   func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		"truncated":   func(b []byte) []byte { return b[:len(b)-64<<10] },
		"cut at end":  func(b []byte) []byte { return b[:len(b)-1] },
		"appended":    func(b []byte) []byte { return append(b, 0) },
		"header":      func(b []byte) []byte { b[40] ^= 1; return b },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			v := newTestVault(t)
			id := v.put(t, pattern(size))
			path := v.fs.path(id)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, tamper(b), 0o600)
			got, err := v.read(t, id)
			if err == nil {
				t.Fatalf("tampered blob read without error (%d bytes)", len(got))
			}
		})
	}
}

func TestPlaintextNeverOnDisk(t *testing.T) {
	v := newTestVault(t)
	marker := []byte("SLUIS-PLAINTEXT-MARKER-7f3a")
	body := bytes.Repeat(append(marker, '\n'), 10000) // several age chunks
	id := v.put(t, body)

	w, err := v.Writer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	assertNoMarker(t, v.data, marker) // mid-write: temp file holds sealed chunks
	if _, _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	aborted, err := v.Writer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aborted.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := aborted.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Seal(marker); err != nil {
		t.Fatal(err)
	}
	assertNoMarker(t, v.data, marker)
	if got, err := v.read(t, id); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("marker blob does not read back: %v", err)
	}
}

// assertNoMarker fails if any file under dir contains marker.
func assertNoMarker(t *testing.T, dir string, marker []byte) {
	t.Helper()
	all := files(t, dir)
	if len(all) < 2 {
		t.Fatalf("only %v under the data folder; the check would prove nothing", all)
	}
	for _, rel := range all {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, marker) {
			t.Errorf("plaintext marker found in %s", rel)
		}
	}
}

func TestVaultAbortLeavesNothing(t *testing.T) {
	v := newTestVault(t)
	w, err := v.Writer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pattern(200 << 10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("second Abort = %v", err)
	}
	if got := v.blobFiles(t); len(got) != 0 {
		t.Fatalf("after Abort: %v", got)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, errDone) {
		t.Errorf("Write after Abort = %v, want errDone", err)
	}
}

func TestPutFailingReaderLeavesNothing(t *testing.T) {
	v := newTestVault(t)
	boom := errors.New("connection reset")
	_, _, err := v.Put(context.Background(), &failAfter{n: 100 << 10, err: boom})
	if !errors.Is(err, boom) {
		t.Fatalf("Put = %v, want the reader's error", err)
	}
	if got := v.blobFiles(t); len(got) != 0 {
		t.Fatalf("failed Put left %v", got)
	}
}

func TestSealUnseal(t *testing.T) {
	v := newTestVault(t)
	subject := []byte("Re: contract — ü ✓")
	a, err := v.Seal(subject)
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.Seal(subject)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) || bytes.Contains(a, subject) {
		t.Fatal("sealing is deterministic or leaks the plaintext")
	}
	if got, err := v.Unseal(a); err != nil || !bytes.Equal(got, subject) {
		t.Fatalf("Unseal = %q, %v", got, err)
	}
	a[len(a)-3] ^= 1
	if got, err := v.Unseal(a); err == nil {
		t.Fatalf("tampered value unsealed to %q", got)
	}
	if _, err := v.Unseal([]byte("not age")); err == nil {
		t.Fatal("garbage unsealed")
	}
}

func TestConcurrentWriters(t *testing.T) {
	v := newTestVault(t)
	const writers, each = 8, 25
	ids := make([][]string, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for j := range each {
				body := fmt.Appendf(nil, "writer %d message %d %s", i, j, strings.Repeat("x", j*3000))
				id, _, err := v.Put(context.Background(), bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = append(ids[i], id)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range writers {
		for j, id := range ids[i] {
			want := fmt.Sprintf("writer %d message %d %s", i, j, strings.Repeat("x", j*3000))
			if got, err := v.read(t, id); err != nil || string(got) != want || seen[id] {
				t.Fatalf("writer %d message %d: %v", i, j, err)
			}
			seen[id] = true
		}
	}
}

// failAfter yields n bytes, then err.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	n := min(len(p), f.n)
	clear(p[:n])
	f.n -= n
	return n, nil
}

func TestSealFieldBinding(t *testing.T) {
	v := newTestVault(t)
	sealed, err := v.SealField([]byte("Uitslag bloedonderzoek"), "message abc subject")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("Uitslag")) {
		t.Fatal("sealed field contains the plaintext")
	}
	got, err := v.OpenField(sealed, "message abc subject")
	if err != nil || string(got) != "Uitslag bloedonderzoek" {
		t.Fatalf("OpenField = %q, %v", got, err)
	}
	if _, err := v.OpenField(sealed, "message xyz subject"); err != ErrSealedField {
		t.Errorf("opening under another binding: %v", err)
	}
	other := newTestVault(t)
	if _, err := other.OpenField(sealed, "message abc subject"); err != ErrSealedField {
		t.Errorf("opening with another key: %v", err)
	}
	if a, b := v.keys.Derive("x"), other.keys.Derive("x"); bytes.Equal(a, b) {
		t.Error("two keys derive the same secret")
	}
}
