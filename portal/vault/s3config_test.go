package vault

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		in   string
		want S3Config
		err  string
	}{
		{in: "s3://blobs", want: S3Config{Bucket: "blobs"}},
		{in: "s3://blobs?endpoint=http://127.0.0.1:8333&region=eu-west-1&prefix=sluis",
			want: S3Config{Bucket: "blobs", Endpoint: "http://127.0.0.1:8333", Region: "eu-west-1", Prefix: "sluis/"}},
		{in: "s3://blobs?endpoint=https://s3.example.net/&prefix=a/b/",
			want: S3Config{Bucket: "blobs", Endpoint: "https://s3.example.net/", Prefix: "a/b/"}},
		{in: "/var/lib/sluis/blobs", err: "not an s3://BUCKET URL"},
		{in: "s3://", err: "bucket"},
		{in: "s3://Bad_Bucket", err: "bucket"},
		{in: "s3://blobs/some/path", err: "no path"},
		{in: "s3://key:secret@blobs", err: "no path or credentials"},
		{in: "s3://blobs?endpiont=http://x", err: `unknown s3:// URL parameter "endpiont"`},
		{in: "s3://blobs?region=a&region=b", err: "given 2 times"},
		{in: "s3://blobs?endpoint=ftp://x", err: "not an http:// or https:// URL"},
		{in: "s3://blobs?endpoint=http://x/bucket", err: "only scheme, host and port"},
		{in: "s3://blobs?prefix=../up", err: "plain folder path"},
		{in: "s3://blobs?prefix=/abs", err: "plain folder path"},
		{in: "s3://blobs?prefix=a//b", err: "plain folder path"},
	}
	for _, tt := range tests {
		got, err := ParseS3URL(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseS3URL(%q) = %v", tt.in, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseS3URL(%q) = %v, want an error with %q", tt.in, err, tt.err)
		case tt.err == "" && got != tt.want:
			t.Errorf("ParseS3URL(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestNewS3WantsCredentials(t *testing.T) {
	if _, err := NewS3(S3Config{Bucket: "blobs", Endpoint: "http://127.0.0.1:1", AccessKey: "k"}); err == nil {
		t.Error("NewS3 without a secret key succeeded")
	}
}

// TestS3CheckNamesTheUnreachableEndpoint needs no server: nothing listens
// on the port.
func TestS3CheckNamesTheUnreachableEndpoint(t *testing.T) {
	endpoint := "http://" + closedAddr(t)
	s, err := NewS3(S3Config{Bucket: "blobs", Endpoint: endpoint, AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = s.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") || !strings.Contains(err.Error(), endpoint) {
		t.Errorf("Check = %v, want it to say %s cannot be reached", err, endpoint)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping of a store that is down succeeded")
	}
	if _, _, err := New(testKeys(t), s).Put(ctx, strings.NewReader("body")); err == nil {
		t.Error("Put to a store that is down succeeded")
	}
}
