package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

const (
	// s3PartSize is the part size of a streamed upload and so the memory
	// one upload holds; minio-go's own choice for an unknown length is
	// hundreds of MB. 8 MiB parts allow 80 GB in S3's 10,000 parts.
	s3PartSize = 8 << 20
	// s3SmallBlob is the largest blob sent in one PUT: a message body
	// usually is. Anything larger streams as a multipart upload.
	s3SmallBlob = 1 << 20
	// s3MaxRetries bounds minio-go's retries of a failed request (its
	// default is 10), so that intake answers 451 within seconds when the
	// store is down rather than holding the sender for half a minute.
	s3MaxRetries = 4
)

// S3 is a BlobStore in a bucket of any S3-compatible object store: one
// object per blob, named <prefix><id>. The objects hold what the vault
// gives them, which is already age-encrypted; the ids are random.
type S3 struct {
	core   minio.Core
	bucket string
	prefix string
	where  string
}

var (
	_ BlobStore   = (*S3)(nil)
	_ TempSweeper = (*S3)(nil)
)

// NewS3 builds the store; it does not contact it (see Check).
func NewS3(c S3Config) (*S3, error) {
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, errors.New("S3 blob store: an access key and a secret key are required")
	}
	host, secure, region, lookup := "s3.amazonaws.com", true, c.Region, minio.BucketLookupAuto
	if c.Endpoint != "" {
		var err error
		if host, secure, err = parseEndpoint(c.Endpoint); err != nil {
			return nil, err
		}
		lookup = minio.BucketLookupPath
		if region == "" {
			region = "us-east-1"
		}
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("S3 blob store: %w", err)
	}
	// A store that does not answer should fail a request within seconds.
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 30 * time.Second
	client, err := minio.New(host, &minio.Options{
		Creds:  credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.SessionToken),
		Secure: secure, Region: region, BucketLookup: lookup, Transport: tr, MaxRetries: s3MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 blob store: %w", err)
	}
	return &S3{core: minio.Core{Client: client}, bucket: c.Bucket, prefix: c.Prefix, where: c.where()}, nil
}

// key is the object name of a blob.
func (s *S3) key(id string) string { return s.prefix + id }

// Create starts a new blob; nothing is visible in the bucket until Commit.
func (s *S3) Create(ctx context.Context) (BlobWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &s3Writer{s: s, ctx: ctx, id: newID()}, nil
}

// Open streams a committed blob from the store.
func (s *S3) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, errBadID
	}
	body, _, _, err := s.core.GetObject(ctx, s.bucket, s.key(id), minio.GetObjectOptions{})
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return nil, fmt.Errorf("blob %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob in %s: %w", s.where, err)
	}
	return body, nil
}

// Delete removes a blob; a missing blob is not an error.
func (s *S3) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validID(id) {
		return errBadID
	}
	err := s.core.RemoveObject(ctx, s.bucket, s.key(id), minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return fmt.Errorf("deleting blob in %s: %w", s.where, err)
	}
	return nil
}

// List calls fn with every committed blob after after and last written
// before olderThan, in id order, the order in which S3 lists keys. Other
// objects under the prefix are skipped.
func (s *S3) List(ctx context.Context, after string, olderThan time.Time, fn func(id string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	opts := minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}
	if after != "" {
		if !validID(after) {
			return errBadID
		}
		opts.StartAfter = s.key(after)
	}
	for obj := range s.core.ListObjectsIter(ctx, s.bucket, opts) {
		if obj.Err != nil {
			return fmt.Errorf("listing blobs in %s: %w", s.where, obj.Err)
		}
		id := strings.TrimPrefix(obj.Key, s.prefix)
		if !validID(id) || !obj.LastModified.Before(olderThan) {
			continue
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// SweepTemp aborts the multipart uploads of blobs started before
// olderThan and never finished: the writer's process died mid-upload.
// Their parts are invisible but take space until aborted.
func (s *S3) SweepTemp(ctx context.Context, olderThan time.Time) (int, error) {
	n, keyMarker, idMarker := 0, "", ""
	for {
		res, err := s.core.ListMultipartUploads(ctx, s.bucket, s.prefix, keyMarker, idMarker, "", 1000)
		if err != nil {
			return n, fmt.Errorf("listing unfinished uploads in %s: %w", s.where, err)
		}
		for _, u := range res.Uploads {
			if !validID(strings.TrimPrefix(u.Key, s.prefix)) || !u.Initiated.Before(olderThan) {
				continue
			}
			err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID)
			if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchUpload {
				return n, fmt.Errorf("aborting an unfinished upload in %s: %w", s.where, err)
			}
			n++
		}
		if !res.IsTruncated || (res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker) {
			return n, nil
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// Ping reports whether the bucket answers, for readiness probes.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.core.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.explain(err)
	}
	if !ok {
		return fmt.Errorf("%s does not exist", s.where)
	}
	return nil
}
