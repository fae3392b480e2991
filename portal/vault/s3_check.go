package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// probeDir is where Check writes its probe object; the name is not a blob
// id, so List and SweepTemp never see it.
const probeDir = "sluis-check/"

// Check proves at start-up that the store works as configured: it lists
// the bucket, then writes, reads back and deletes a small probe object.
// The error says which part is wrong: the endpoint, the bucket, the
// credentials or their rights.
func (s *S3) Check(ctx context.Context) error {
	for obj := range s.core.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1}) {
		if obj.Err != nil {
			return s.explain(obj.Err)
		}
		break
	}
	key, probe := s.prefix+probeDir+newID(), []byte(newID())
	if _, err := s.core.Client.PutObject(ctx, s.bucket, key, bytes.NewReader(probe), int64(len(probe)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return fmt.Errorf("writing a probe object: %w", s.explain(err))
	}
	got, err := s.readAll(ctx, key)
	if err == nil && !bytes.Equal(got, probe) {
		err = errors.New("the probe object read back differs from what was written")
	}
	if err != nil {
		return errors.Join(fmt.Errorf("reading a probe object: %w", s.explain(err)),
			s.core.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
	}
	if err := s.core.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("deleting a probe object: %w", s.explain(err))
	}
	return nil
}

// readAll reads a small object whole.
func (s *S3) readAll(ctx context.Context, key string) ([]byte, error) {
	body, _, _, err := s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(body, 1<<10))
	return b, errors.Join(err, body.Close())
}

// explain turns a failed request into an error that says which setting to
// look at. It never includes the credentials.
func (s *S3) explain(err error) error {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "":
		return fmt.Errorf("the object store for %s cannot be reached (check the endpoint): %w", s.where, err)
	case minio.NoSuchBucket:
		return fmt.Errorf("%s does not exist (check the bucket name and the endpoint)", s.where)
	case minio.InvalidAccessKeyID, minio.SignatureDoesNotMatch, "InvalidToken", "ExpiredToken":
		return fmt.Errorf("%s refused the credentials (%s): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", s.where, resp.Code)
	case minio.AccessDenied, minio.AllAccessDisabled:
		return fmt.Errorf("%s denied access (%s): the credentials need to list, read, write and delete objects there", s.where, resp.Code)
	case minio.InvalidRegion, minio.AuthorizationHeaderMalformed:
		return fmt.Errorf("%s is in another region (%s): check region=", s.where, resp.Code)
	}
	return fmt.Errorf("%s: %w", s.where, err)
}
