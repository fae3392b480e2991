package vault

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// errDone is returned when a blob writer is used after Commit or Abort.
var errDone = errors.New("vault: blob writer already committed or aborted")

// fsWriter writes one blob to a temp file; Commit moves it into its shard.
// Writes go straight to the file: the caller buffers.
type fsWriter struct {
	s    *FS
	f    *os.File
	id   string
	done bool
}

// Write appends to the temp file.
func (w *fsWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errDone
	}
	return w.f.Write(p)
}

// ID returns the blob's id.
func (w *fsWriter) ID() string { return w.id }

// Commit fsyncs the file, renames it into its shard and fsyncs the shard.
// On failure nothing is left behind. Only the destination folder is fsynced:
// if a crash leaves the temp name behind as well, SweepTemp removes it.
func (w *fsWriter) Commit() error {
	if w.done {
		return errDone
	}
	w.done = true
	if err := w.persist(); err != nil {
		return fmt.Errorf("committing blob: %w", err)
	}
	return nil
}

// persist makes the temp file durable under its final name.
func (w *fsWriter) persist() error {
	tmp, final := w.s.tmpPath(w.id), w.s.path(w.id)
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		_ = os.Remove(final) // not durable, so not committed
		return err
	}
	return nil
}

// Abort closes and removes the temp file; it is a no-op once done.
func (w *fsWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	cerr := w.f.Close()
	if err := os.Remove(w.s.tmpPath(w.id)); err != nil {
		return fmt.Errorf("aborting blob: %w", err)
	}
	if cerr != nil {
		return fmt.Errorf("aborting blob: %w", cerr)
	}
	return nil
}
