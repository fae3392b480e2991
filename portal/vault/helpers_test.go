package vault

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// testVault is a vault with its key and blobs in a fresh data folder.
type testVault struct {
	*Vault
	fs   *FS
	keys *Keys
	data string
}

// newTestVault builds a vault in t.TempDir(), the way the server does.
func newTestVault(t testing.TB) testVault {
	t.Helper()
	data := t.TempDir()
	keys, err := LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	store, err := NewFS(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return testVault{Vault: New(keys, store), fs: store, keys: keys, data: data}
}

// put stores b and fails the test on error.
func (v testVault) put(t testing.TB, b []byte) string {
	t.Helper()
	id, n, err := v.Put(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(b)) {
		t.Fatalf("Put size = %d, want %d", n, len(b))
	}
	return id
}

// read returns a blob's plaintext, or the error reading it gave.
func (v testVault) read(t testing.TB, id string) ([]byte, error) {
	t.Helper()
	rc, err := v.Open(context.Background(), id)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return b, err
}

// files lists every regular file under dir, relative to it.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// blobFiles lists the files in the blob store, committed or temp.
func (v testVault) blobFiles(t testing.TB) []string {
	t.Helper()
	return files(t, filepath.Join(v.data, "blobs"))
}

// pattern returns n bytes that differ from chunk to chunk.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>16)
	}
	return b
}

// writeFile writes a file with the given mode, whatever the umask.
func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// testKeys is a fresh master key.
func testKeys(t testing.TB) *Keys {
	t.Helper()
	keys, err := LoadOrCreateKey(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
