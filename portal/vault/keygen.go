package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// createKey writes a new X25519 identity to path, atomically and durably:
// the key is written to a temp file, fsynced, then hard-linked into place,
// which fails rather than replaces if another process won the race. Losing
// this file loses every message, so its directory is fsynced too.
func createKey(dataDir, path string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return fmt.Errorf("master key: generating: %w", err)
	}
	tmp := path + ".tmp-" + newID()
	if err := writeSynced(tmp, keyFileText(id)); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	linkErr := os.Link(tmp, path)
	rmErr := os.Remove(tmp)
	switch {
	case linkErr != nil && !errors.Is(linkErr, fs.ErrExist):
		return fmt.Errorf("master key: %w", linkErr)
	case rmErr != nil:
		return fmt.Errorf("master key: %w", rmErr)
	}
	return syncDir(dataDir)
}

// keyFileText is the content of a new key file.
func keyFileText(id *age.X25519Identity) []byte {
	return fmt.Appendf(nil, "# Sluis master key (age identity). Keep it secret and back it up\n"+
		"# apart from the data: without it no stored message can be read.\n"+
		"# created: %s\n# public key: %s\n%s\n",
		time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
}

// writeSynced creates path (mode 0600, must not exist) with data, fsynced.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// syncDir fsyncs a directory so that entries created or removed in it last.
func syncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
