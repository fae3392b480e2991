package vault

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
)

func TestLoadOrCreateKeyCreatesPrivateFileOnce(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	k1, err := LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(data, DefaultKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if k1.PublicKey() != k2.PublicKey() || !strings.HasPrefix(k1.PublicKey(), "age1") {
		t.Errorf("keys differ across starts: %s, %s", k1.PublicKey(), k2.PublicKey())
	}
	if got := files(t, data); len(got) != 1 {
		t.Errorf("data folder holds %v, want only the key", got)
	}
}

func TestLoadOrCreateKeyConcurrentStartsAgree(t *testing.T) {
	data := t.TempDir()
	keys := make([]*Keys, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateKey(data, "")
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys {
		if k == nil || k.PublicKey() != keys[0].PublicKey() {
			t.Fatal("concurrent first starts made different keys")
		}
	}
}

func TestLoadOrCreateKeyRefusesOpenPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits; the check is off there")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o620, 0o601} {
		t.Run(mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key")
			writeFile(t, path, keyFileText(mustIdentity(t)), mode)
			_, err := LoadOrCreateKey(t.TempDir(), path)
			if err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("err = %v, want a refusal naming chmod 600", err)
			}
		})
	}
}

func TestLoadOrCreateKeyRefusesDefaultKeyWithOpenPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits; the check is off there")
	}
	data := t.TempDir()
	if _, err := LoadOrCreateKey(data, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(data, DefaultKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(data, ""); err == nil {
		t.Fatal("a world-readable master.key was accepted")
	}
}

func TestLoadOrCreateKeyRefusesUnparsableFile(t *testing.T) {
	for name, text := range map[string]string{
		"garbage":  "hello world\n",
		"empty":    "",
		"comments": "# nothing here\n",
		"public":   mustIdentity(t).Recipient().String() + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key")
			writeFile(t, path, []byte(text), 0o600)
			if _, err := LoadOrCreateKey(t.TempDir(), path); err == nil {
				t.Fatal("an unparsable key file was accepted")
			}
		})
	}
}

func TestLoadOrCreateKeyUsesGivenFileOnly(t *testing.T) {
	id := mustIdentity(t)
	path := filepath.Join(t.TempDir(), "secret", "sluis.key")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, []byte(id.String()+"\n"), 0o400)
	data := t.TempDir()
	k, err := LoadOrCreateKey(data, path)
	if err != nil {
		t.Fatal(err)
	}
	if k.PublicKey() != id.Recipient().String() {
		t.Errorf("public key = %s, want %s", k.PublicKey(), id.Recipient())
	}
	if got := files(t, data); len(got) != 0 {
		t.Errorf("data folder holds %v, want nothing", got)
	}
}

func TestLoadOrCreateKeyMissingGivenFile(t *testing.T) {
	_, err := LoadOrCreateKey(t.TempDir(), filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestKeyRotationDecryptsOldEncryptsNew(t *testing.T) {
	oldID, newID := mustIdentity(t), mustIdentity(t)
	dir := t.TempDir()
	oldPath, bothPath := filepath.Join(dir, "old"), filepath.Join(dir, "both")
	writeFile(t, oldPath, []byte(oldID.String()+"\n"), 0o600)
	writeFile(t, bothPath, []byte(newID.String()+"\n"+oldID.String()+"\n"), 0o600)
	oldKeys, err := LoadOrCreateKey(dir, oldPath)
	if err != nil {
		t.Fatal(err)
	}
	bothKeys, err := LoadOrCreateKey(dir, bothPath)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := New(oldKeys, nil).Seal([]byte("subject"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := New(bothKeys, nil).Unseal(sealed); err != nil || string(got) != "subject" {
		t.Fatalf("rotated key unseals %q, %v", got, err)
	}
	if bothKeys.PublicKey() != newID.Recipient().String() {
		t.Error("rotated key does not encrypt to the first identity")
	}
}

// mustIdentity returns a fresh age X25519 identity.
func mustIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
