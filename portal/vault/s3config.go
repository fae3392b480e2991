package vault

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config says where an S3 blob store keeps its blobs and how it signs
// its requests.
type S3Config struct {
	// Bucket holds the blobs; it must exist.
	Bucket string
	// Endpoint is the store's URL (https://s3.example.net); empty means
	// Amazon S3. With an endpoint, buckets are addressed path-style, which
	// every S3-compatible server understands.
	Endpoint string
	// Region signs the requests; empty with an endpoint means us-east-1,
	// without one the bucket's own region is looked up.
	Region string
	// Prefix is the folder in the bucket the blobs live in: empty, or a
	// path ending in "/".
	Prefix string
	// AccessKey, SecretKey and SessionToken are the credentials; the
	// session token is only for temporary credentials.
	AccessKey, SecretKey, SessionToken string
}

// IsS3URL reports whether s names an object store rather than a folder.
func IsS3URL(s string) bool {
	return strings.HasPrefix(s, "s3://")
}

// ParseS3URL reads s3://BUCKET?endpoint=URL&region=REGION&prefix=P, every
// parameter optional. Unknown parameters are refused, so that a typo does
// not silently put blobs somewhere else. The credentials are left empty.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" {
		return S3Config{}, fmt.Errorf("%q is not an s3://BUCKET URL", raw)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return S3Config{}, errors.New("an s3:// URL is s3://BUCKET?endpoint=URL&region=REGION&prefix=P; put no path or credentials in it")
	}
	c := S3Config{Bucket: u.Host}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return S3Config{}, fmt.Errorf("bucket %q: %w", c.Bucket, err)
	}
	q := u.Query()
	for k, v := range q {
		if len(v) != 1 {
			return S3Config{}, fmt.Errorf("s3:// URL parameter %q given %d times", k, len(v))
		}
		switch k {
		case "endpoint":
			c.Endpoint = v[0]
		case "region":
			c.Region = v[0]
		case "prefix":
			c.Prefix = v[0]
		default:
			return S3Config{}, fmt.Errorf("unknown s3:// URL parameter %q (use endpoint, region, prefix)", k)
		}
	}
	if c.Endpoint != "" {
		if _, _, err := parseEndpoint(c.Endpoint); err != nil {
			return S3Config{}, err
		}
	}
	if c.Prefix, err = cleanPrefix(c.Prefix); err != nil {
		return S3Config{}, err
	}
	return c, nil
}

// parseEndpoint splits an endpoint URL into host[:port] and whether it
// uses TLS.
func parseEndpoint(endpoint string) (host string, secure bool, err error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false, fmt.Errorf("endpoint %q is not an http:// or https:// URL", endpoint)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false, fmt.Errorf("endpoint %q: give only scheme, host and port", endpoint)
	}
	return u.Host, u.Scheme == "https", nil
}

// cleanPrefix makes a prefix a folder: "blobs" becomes "blobs/". It may
// not climb out of the bucket or start with a slash.
func cleanPrefix(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("prefix %q: use a plain folder path such as sluis/blobs", p)
		}
	}
	return p, nil
}

// where names the store for messages: its bucket and endpoint, never the
// credentials.
func (c S3Config) where() string {
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = "Amazon S3"
	}
	return fmt.Sprintf("bucket %q at %s", c.Bucket, endpoint)
}
