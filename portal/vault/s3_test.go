package vault

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"sluis/portal/vault/s3test"
)

// s3With is an S3 store on the test server with cfg's changes applied.
func s3With(t *testing.T, change func(*S3Config)) *S3 {
	t.Helper()
	srv := s3test.Start(t)
	cfg := S3Config{Bucket: s3test.Bucket, Endpoint: srv.Endpoint, Prefix: srv.Prefix(t),
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	change(&cfg)
	s, err := NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3CheckSaysWhatIsWrong(t *testing.T) {
	tests := []struct {
		name   string
		change func(*S3Config)
		want   string
	}{
		{"works", func(*S3Config) {}, ""},
		{"bucket", func(c *S3Config) { c.Bucket = "no-such-bucket" }, `bucket "no-such-bucket"`},
		{"secret", func(c *S3Config) { c.SecretKey = "wrong" }, "refused the credentials"},
		{"access key", func(c *S3Config) { c.AccessKey = "nobody" }, "refused the credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s3With(t, tt.change)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := s.Check(ctx)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				if err := s.Ping(ctx); err != nil {
					t.Errorf("Ping = %v", err)
				}
				assertNoBlobs(t, s) // the probe is gone
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), s3test.Start(t).SecretKey) {
				t.Error("the error shows the secret key")
			}
			if err := s.Ping(ctx); err == nil {
				t.Error("Ping succeeded")
			}
		})
	}
}

func TestS3ObjectsAreNamedByIDUnderThePrefix(t *testing.T) {
	s := newTestS3(t)
	id := writeBlob(t, s, []byte("sealed"))
	info, err := s.core.StatObject(context.Background(), s.bucket, s.prefix+id, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len("sealed")) {
		t.Errorf("object size = %d", info.Size)
	}
}

// TestS3StoreDownFailsAndRecovers cuts the connection to the store: every
// write fails (nothing is acknowledged that is not stored), reads fail
// without claiming the blob is missing, and all works again once the
// store is back.
func TestS3StoreDownFailsAndRecovers(t *testing.T) {
	srv := s3test.Start(t)
	proxy := srv.Proxy(t)
	s := s3With(t, func(c *S3Config) { c.Endpoint = proxy.Endpoint })
	v := testVault{Vault: New(testKeys(t), s)}
	ctx := context.Background()
	kept := v.put(t, []byte("stored before the failure"))

	proxy.SetDown(true)
	for _, n := range []int{100, 3 * s3SmallBlob} {
		if _, _, err := v.Put(ctx, bytes.NewReader(pattern(n))); err == nil {
			t.Errorf("Put of %d bytes succeeded while the store was down", n)
		}
	}
	if _, err := v.Open(ctx, kept); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Open while down = %v, want a failure that is not ErrNotFound", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping succeeded while the store was down")
	}

	proxy.SetDown(false)
	if got, err := v.read(t, kept); err != nil || string(got) != "stored before the failure" {
		t.Fatalf("after recovery: %q, %v", got, err)
	}
	assertBlobs(t, s, kept)
	v.put(t, pattern(3*s3SmallBlob))
}
