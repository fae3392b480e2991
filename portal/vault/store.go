package vault

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned when a blob does not exist.
var ErrNotFound = errors.New("vault: blob not found")

// errBadID is returned for an id that no blob store could have made.
var errBadID = errors.New("vault: invalid blob id")

// BlobStore keeps opaque blobs under random ids.
type BlobStore interface {
	// Create starts a new blob with a fresh random id.
	Create(ctx context.Context) (BlobWriter, error)
	// Open reads a committed blob; a missing blob gives ErrNotFound.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes a blob; a missing blob is not an error.
	Delete(ctx context.Context, id string) error
	// List calls fn, in increasing id order, for every committed blob whose
	// id sorts after after ("" starts at the beginning) and that was last
	// written before olderThan. fn may delete the blob it is given; an error
	// from fn stops the walk and is returned. The order lets a sweep that
	// ran out of time resume where it stopped.
	List(ctx context.Context, after string, olderThan time.Time, fn func(id string) error) error
	// Ping reports whether the store answers, for readiness probes.
	Ping(ctx context.Context) error
}

// TempSweeper is a BlobStore that can also remove the leftovers of writers
// that never committed nor aborted (a crash mid-write): temp files in a
// folder, unfinished multipart uploads in an object store.
type TempSweeper interface {
	// SweepTemp removes leftovers started before olderThan and returns how
	// many it removed.
	SweepTemp(ctx context.Context, olderThan time.Time) (int, error)
}

// BlobWriter writes one new blob; it becomes visible only on Commit.
type BlobWriter interface {
	io.Writer
	// ID returns the blob's id.
	ID() string
	// Commit makes the blob durable and visible.
	Commit() error
	// Abort discards the blob; it is a no-op after Commit.
	Abort() error
}

// idBytes is the size of a blob id: 128 random bits.
const idBytes = 16

// newID returns a fresh random blob id in lower-case hex.
func newID() string {
	var b [idBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// validID reports whether id has the shape newID gives, which also keeps
// ids from naming paths outside the store.
func validID(id string) bool {
	if len(id) != 2*idBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
