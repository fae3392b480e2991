package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// List calls fn with the id of every committed blob after after and last
// written before olderThan, in id order: shard by shard, each shard's names
// sorted. The orphan sweeper uses it with a cutoff of an hour ago (see the
// package doc).
func (s *FS) List(ctx context.Context, after string, olderThan time.Time, fn func(id string) error) error {
	if after != "" && !validID(after) {
		return errBadID
	}
	for _, shard := range shardNames() {
		if after != "" && shard < after[:2] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := filepath.Join(s.dir, shard)
		entries, err := readSorted(dir, after)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := visit(dir, e, olderThan, func(_, id string) error { return fn(id) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// readSorted returns the entries of dir named after after, sorted by name.
func readSorted(dir, after string) ([]fs.DirEntry, error) {
	var out []fs.DirEntry
	err := readBatches(dir, func(e fs.DirEntry) error {
		if e.Name() > after {
			out = append(out, e)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, err
}

// SweepTemp removes temp files last written before olderThan: blobs whose
// writer crashed or never finished. A writer still busy with an older temp
// file fails at Commit, which is safe. It returns how many it removed.
func (s *FS) SweepTemp(ctx context.Context, olderThan time.Time) (int, error) {
	n := 0
	err := s.scan(filepath.Join(s.dir, tmpDir), olderThan, func(path, _ string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := os.Remove(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sweeping temp blob: %w", err)
		}
		if err == nil {
			n++
		}
		return nil
	})
	return n, err
}

// scanBatch is how many directory entries scan reads at a time.
const scanBatch = 512

// scan calls fn for each blob-named file in dir last modified before
// olderThan, in directory order.
func (s *FS) scan(dir string, olderThan time.Time, fn func(path, id string) error) error {
	return readBatches(dir, func(e fs.DirEntry) error { return visit(dir, e, olderThan, fn) })
}

// readBatches calls fn for each entry of dir, reading the folder in batches
// so huge shards stay cheap.
func readBatches(dir string, fn func(fs.DirEntry) error) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("listing blobs: %w", err)
	}
	defer func() { _ = d.Close() }() // read-only: a Close error loses nothing
	for {
		entries, err := d.ReadDir(scanBatch)
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("listing blobs: %w", err)
		}
	}
}

// visit calls fn for one entry if it is an old enough blob file. An entry
// that vanished meanwhile (deleted, or committed out of tmp) is skipped.
func visit(dir string, e fs.DirEntry, olderThan time.Time, fn func(path, id string) error) error {
	if !e.Type().IsRegular() || !validID(e.Name()) {
		return nil
	}
	fi, err := e.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing blobs: %w", err)
	}
	if !fi.ModTime().Before(olderThan) {
		return nil
	}
	return fn(filepath.Join(dir, e.Name()), e.Name())
}
