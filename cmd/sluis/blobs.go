package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sluis/portal/vault"
)

// blobCheckTimeout bounds the start-up check of an object store.
const blobCheckTimeout = 30 * time.Second

// openBlobStore opens the blob store that --blobs names and proves it usable:
// a folder is created if need be; a bucket is listed, written to, read and
// cleaned, so that a wrong endpoint, bucket or credential stops the start
// with a message that says which, rather than failing the first mail.
func openBlobStore(ctx context.Context, c *config, getenv func(string) string) (vault.BlobStore, error) {
	if vault.IsS3URL(c.Blobs) {
		return openS3(ctx, c.Blobs, getenv)
	}
	dir := c.Blobs
	if dir == "" {
		dir = filepath.Join(c.Data, "blobs")
	}
	s, err := vault.NewFS(dir)
	if err != nil {
		return nil, fmt.Errorf("blob folder %s: %w", dir, err)
	}
	return s, nil
}

// openS3 opens and checks the bucket an s3:// URL names.
func openS3(ctx context.Context, raw string, getenv func(string) string) (*vault.S3, error) {
	cfg, err := vault.ParseS3URL(raw)
	if err != nil {
		return nil, fmt.Errorf("--blobs: %w", err)
	}
	if cfg.AccessKey, cfg.SecretKey, cfg.SessionToken, err = awsCredentials(getenv); err != nil {
		return nil, fmt.Errorf("--blobs: %w", err)
	}
	s, err := vault.NewS3(cfg)
	if err != nil {
		return nil, fmt.Errorf("--blobs: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, blobCheckTimeout)
	defer cancel()
	if err := s.Check(cctx); err != nil {
		return nil, fmt.Errorf("--blobs: %w", err)
	}
	return s, nil
}

// awsCredentials reads the standard AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and (for temporary credentials) AWS_SESSION_TOKEN,
// each also from the file its *_FILE twin names.
func awsCredentials(getenv func(string) string) (id, secret, token string, err error) {
	var errs []error
	read := func(name string) string {
		v, err := envOrFile(getenv, name)
		errs = append(errs, err)
		return v
	}
	id, secret, token = read("AWS_ACCESS_KEY_ID"), read("AWS_SECRET_ACCESS_KEY"), read("AWS_SESSION_TOKEN")
	if err := errors.Join(errs...); err != nil {
		return "", "", "", err
	}
	if id == "" || secret == "" {
		return "", "", "", errors.New("an object store needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID_FILE and AWS_SECRET_ACCESS_KEY_FILE)")
	}
	return id, secret, token, nil
}

// envOrFile is the variable name, or else the content of the file that
// name_FILE names, without its trailing newline.
func envOrFile(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	path := getenv(name + "_FILE")
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
