// Package devbox keeps what Sluis would have sent (mail, texts) as files in
// a folder, for the dev outbox page of demo and development mode. Ids are
// the UTC store time with nanoseconds and a random suffix, so they sort by
// time; nothing else is accepted as an id, which rules out paths.
package devbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ErrNotFound: no item has that id (or the id is malformed).
var ErrNotFound = errors.New("devbox: no such item")

const idTime = "20060102T150405.000000000Z"

var idRE = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{8}$`)

// Folder is one folder of kept items, all with the same file extension.
type Folder struct {
	dir, ext string
}

// Open returns the folder dir for files ending in ext (".eml"), creating it.
func Open(dir, ext string) (*Folder, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Folder{dir: dir, ext: ext}, nil
}

// Put stores raw as a new item made at now and returns its id. It writes
// a temporary file and renames it, so IDs never lists half an item.
func (f *Folder) Put(raw []byte, now time.Time) (string, error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix) // never fails
	id := now.UTC().Format(idTime) + "-" + hex.EncodeToString(suffix)
	tmp, err := os.CreateTemp(f.dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(raw)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(f.dir, id+f.ext))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	return id, nil
}

// IDs lists the items' ids, newest first.
func (f *Folder) IDs() ([]string, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), f.ext); ok && idRE.MatchString(id) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(b, a) })
	return ids, nil
}

// Time is when a well-formed id was stored.
func Time(id string) time.Time {
	t, _ := time.Parse(idTime, id[:min(len(id), len(idTime))])
	return t
}

// Open opens the file of an item, and only inside the folder.
func (f *Folder) Open(id string) (*os.File, error) {
	if !idRE.MatchString(id) {
		return nil, fmt.Errorf("%w: malformed id", ErrNotFound)
	}
	file, err := os.OpenInRoot(f.dir, id+f.ext)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return file, err
}

// Read returns the bytes of one item.
func (f *Folder) Read(id string) ([]byte, error) {
	file, err := f.Open(id)
	if err != nil {
		return nil, err
	}
	defer func() { _ = file.Close() }() // read-only
	return io.ReadAll(file)
}
