package vault

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"filippo.io/age"
)

// DefaultKeyFile is the key's name inside the data folder.
const DefaultKeyFile = "master.key"

// maxKeyFile bounds what is read from a key file.
const maxKeyFile = 64 << 10

// Keys holds the server's age identities and the recipient it encrypts to.
type Keys struct {
	identities []age.Identity
	recipient  age.Recipient
	public     string
	secret     []byte // input keying material for Derive: the first identity
}

// PublicKey returns the age recipient that new data is encrypted to.
func (k *Keys) PublicKey() string { return k.public }

// LoadOrCreateKey loads the master key from keyFile, or from
// <dataDir>/master.key when keyFile is "", creating that one on first start.
//
// The file holds age identities, one a line ("#" comments allowed); the first
// encrypts, all decrypt, so a key can be rotated by putting a new one first.
// A key file that group or others may access is refused.
func LoadOrCreateKey(dataDir, keyFile string) (*Keys, error) {
	if keyFile != "" {
		return loadKey(keyFile)
	}
	path := filepath.Join(dataDir, DefaultKeyFile)
	k, err := loadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := createKey(dataDir, path); err != nil {
		return nil, err
	}
	return loadKey(path)
}

// loadKey opens, checks and parses a key file.
func loadKey(path string) (*Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: a Close error loses nothing
	if err := checkKeyFile(f); err != nil {
		return nil, fmt.Errorf("master key %s: %w", path, err)
	}
	k, err := parseKeys(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", path, err)
	}
	return k, nil
}

// checkKeyFile refuses anything but a regular file private to its owner.
// It stats the open file, not the path, so the checked file is the one read.
func checkKeyFile(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	// Windows has no Unix permission bits; its ACLs are the operator's job.
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("permissions %04o let group or others access it; run chmod 600 on it", fi.Mode().Perm())
	}
	return nil
}

// parseKeys reads age identities; the first one becomes the recipient.
func parseKeys(r io.Reader) (*Keys, error) {
	ids, err := age.ParseIdentities(r)
	if err != nil {
		// age's errors never quote key material.
		return nil, fmt.Errorf("not an age identity file: %w", err)
	}
	k := &Keys{identities: ids}
	switch id := ids[0].(type) {
	case *age.X25519Identity:
		k.recipient, k.public, k.secret = id.Recipient(), id.Recipient().String(), []byte(id.String())
	case *age.HybridIdentity:
		k.recipient, k.public, k.secret = id.Recipient(), id.Recipient().String(), []byte(id.String())
	default:
		return nil, fmt.Errorf("unsupported identity type %T", id)
	}
	return k, nil
}
