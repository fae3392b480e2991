// Package s3test runs a real S3-compatible object store for tests: one
// SeaweedFS `weed mini` per test binary, on loopback ports, with one bucket
// and one access key, its telemetry off. The binary comes from
// $SLUIS_TEST_WEED; without it the tests that need the store skip, except
// under CI=true, where they fail (.ci/run builds the binary).
//
// Use it from TestMain, so the server stops when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
//
// and give every test its own prefix in the shared bucket (Server.Prefix).
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Bucket is the bucket every test shares.
const Bucket = "sluis-test"

// startTimeout bounds the wait for weed to answer; it takes about ten
// seconds on an idle machine, far more on a loaded one.
const startTimeout = 2 * time.Minute

// Server is a running weed mini.
type Server struct {
	// Endpoint is its S3 URL, http://127.0.0.1:PORT.
	Endpoint string
	// AccessKey and SecretKey may do anything in Bucket.
	AccessKey, SecretKey string

	cmd  *exec.Cmd
	dir  string
	exit chan error
}

var (
	once    sync.Once
	server  *Server
	initErr error
)

// Main runs the tests, then stops the server if a test started it.
func Main(m *testing.M) int {
	code := m.Run()
	if server != nil {
		server.Close()
	}
	return code
}

// Start returns the test binary's server, starting it on first use. It
// skips the test when $SLUIS_TEST_WEED is unset, unless CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("SLUIS_TEST_WEED")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUIS_TEST_WEED is not set, and CI must test the S3 blob store")
		}
		t.Skip("S3 tests need SLUIS_TEST_WEED=/path/to/weed (skipped outside CI)")
	}
	once.Do(func() { server, initErr = Launch(bin) })
	if initErr != nil {
		t.Fatalf("starting SeaweedFS: %v", initErr)
	}
	return server
}

// Prefix returns a fresh folder in the bucket for one test: tests share
// the server but never see each other's objects.
func (s *Server) Prefix(t testing.TB) string {
	t.Helper()
	return "t-" + randomHex(8) + "/"
}

// URL is the --blobs value for prefix in the shared bucket.
func (s *Server) URL(prefix string) string {
	return "s3://" + Bucket + "?endpoint=" + s.Endpoint + "&region=us-east-1&prefix=" + prefix
}

// Launch starts weed mini from the binary bin in a temporary folder and
// waits until its S3 API answers with the bucket in place. Tests use
// Start; Launch is for benchmarks, which Close the server themselves.
func Launch(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "sluis-weed-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, AccessKey: "sluistest" + randomHex(4), SecretKey: randomHex(20), exit: make(chan error, 1)}
	ports, err := freePorts(6)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	s.Endpoint = "http://127.0.0.1:" + strconv.Itoa(ports[0])
	if err := s.writeIdentities(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	logf, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	s.cmd = exec.Command(bin, s.args(ports)...)
	s.cmd.Stdout, s.cmd.Stderr, s.cmd.Dir = logf, logf, dir
	setDeathSignal(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, errors.Join(err, logf.Close(), os.RemoveAll(dir))
	}
	go func() { s.exit <- errors.Join(s.cmd.Wait(), logf.Close()) }()
	if err := s.waitReady(); err != nil {
		tail := s.logTail()
		s.Close()
		return nil, fmt.Errorf("%w\nweed's log ends with:\n%s", err, tail)
	}
	return s, nil
}

// args are weed mini's flags: everything on loopback, telemetry and the
// extra front ends off, one bucket.
func (s *Server) args(p []int) []string {
	return []string{"mini",
		"-dir=" + filepath.Join(s.dir, "data"),
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.telemetry=false",
		"-s3.port=" + strconv.Itoa(p[0]),
		"-master.port=" + strconv.Itoa(p[1]),
		"-volume.port=" + strconv.Itoa(p[2]),
		"-filer.port=" + strconv.Itoa(p[3]),
		"-s3.config=" + filepath.Join(s.dir, "identities.json"),
		"-bucket=" + Bucket,
		"-admin.ui=false", "-webdav.port=0", "-s3.port.iceberg=0", "-s3.port.lance=0",
	}
}

// writeIdentities writes the S3 API's one identity.
func (s *Server) writeIdentities() error {
	type cred struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string   `json:"name"`
		Credentials []cred   `json:"credentials"`
		Actions     []string `json:"actions"`
	}
	doc := map[string][]identity{"identities": {{Name: "sluis", Credentials: []cred{{s.AccessKey, s.SecretKey}},
		Actions: []string{"Admin", "Read", "List", "Tagging", "Write"}}}}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "identities.json"), b, 0o600)
}

// waitReady polls the bucket, with the access key, until the S3 API says
// it exists. (An anonymous probe is not enough: weed refuses it with 403
// before it has created the bucket, and a test would then find none.)
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	client, err := minio.New(strings.TrimPrefix(s.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		return err
	}
	for {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := client.BucketExists(pctx, Bucket)
		pcancel()
		if err == nil && ok {
			return nil
		}
		select {
		case err := <-s.exit:
			s.exit <- err
			return fmt.Errorf("weed exited: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("weed's S3 API did not show the bucket within %s", startTimeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Close stops weed and removes its folder.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exit
	}
	_ = os.RemoveAll(s.dir)
}

// logTail is the end of weed's log, for a failure message.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "weed.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}

// freePorts asks the kernel for n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
