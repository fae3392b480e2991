package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// tmpDir is the folder, inside the store, for blobs not yet committed.
const tmpDir = "tmp"

// FS is a BlobStore in a local folder: <dir>/<first two hex digits>/<id>,
// with blobs being written in <dir>/tmp.
type FS struct {
	dir string
}

var _ BlobStore = (*FS)(nil)

// NewFS opens the blob folder dir, creating it and its shards (mode 0700).
func NewFS(dir string) (*FS, error) {
	s := &FS{dir: filepath.Clean(dir)}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	// All 256 shards exist from the start, so Commit never creates a
	// directory whose own entry would need an fsync too.
	for _, name := range append(shardNames(), tmpDir) {
		err := os.Mkdir(filepath.Join(s.dir, name), 0o700)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("blob store: %w", err)
		}
	}
	if err := syncDir(s.dir); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if err := syncDir(filepath.Dir(s.dir)); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return s, nil
}

// shardNames returns "00" to "ff".
func shardNames() []string {
	const hexdigits = "0123456789abcdef"
	names := make([]string, 0, 256)
	for i := range 256 {
		names = append(names, string([]byte{hexdigits[i>>4], hexdigits[i&15]}))
	}
	return names
}

// path returns where a committed blob lives.
func (s *FS) path(id string) string {
	return filepath.Join(s.dir, id[:2], id)
}

// tmpPath returns where a blob is written before Commit.
func (s *FS) tmpPath(id string) string {
	return filepath.Join(s.dir, tmpDir, id)
}

// Create starts a new blob in the temp folder (mode 0600).
func (s *FS) Create(ctx context.Context) (BlobWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := newID()
	f, err := os.OpenFile(s.tmpPath(id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating blob: %w", err)
	}
	return &fsWriter{s: s, f: f, id: id}, nil
}

// Open reads a committed blob.
func (s *FS) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, errBadID
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob: %w", err)
	}
	return f, nil
}

// Delete removes a blob and fsyncs its shard, so a purged blob stays gone.
func (s *FS) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validID(id) {
		return errBadID
	}
	err := os.Remove(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting blob: %w", err)
	}
	return syncDir(filepath.Join(s.dir, id[:2]))
}

// Ping reports whether the folder and its temp folder are still there (a
// lost mount, a deleted folder).
func (s *FS) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, dir := range []string{s.dir, filepath.Join(s.dir, tmpDir)} {
		fi, err := os.Stat(dir)
		if err == nil && !fi.IsDir() {
			err = errors.New("not a folder")
		}
		if err != nil {
			return fmt.Errorf("blob folder %s: %w", dir, err)
		}
	}
	return nil
}
