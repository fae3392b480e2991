package vault

import (
	"context"
	"fmt"
	"io"
)

// Import stores size bytes from r as the blob id, replacing any object of
// that name, and returns once the store has acknowledged it. It is for
// moving an existing store into a bucket, where the database already
// names every blob by its id; new blobs go through Create.
func (s *S3) Import(ctx context.Context, id string, r io.Reader, size int64) error {
	if !validID(id) {
		return errBadID
	}
	if _, err := s.core.Client.PutObject(ctx, s.bucket, s.key(id), r, size, putOptions(s3PartSize)); err != nil {
		return fmt.Errorf("importing blob %s into %s: %w", id, s.where, err)
	}
	return nil
}

// Where names the store for messages: bucket and endpoint.
func (s *S3) Where() string { return s.where }
