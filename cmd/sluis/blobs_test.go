package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/vault"
	"sluis/portal/vault/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// s3Env is the environment that gives sluis the test server's credentials.
func s3Env(srv *s3test.Server, base map[string]string) map[string]string {
	env := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey}
	for k, v := range base {
		env[k] = v
	}
	return env
}

// TestServeRefusesAnUnusableBlobStore needs no object store: each mistake
// is caught before one is contacted, or the endpoint does not answer.
func TestServeRefusesAnUnusableBlobStore(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"SLUIS_DATA": data}
	mustRun(t, env, "migrate")
	creds := map[string]string{"SLUIS_DATA": data, "AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "hunter2secret"}
	dead := "http://127.0.0.1:" + freePort(t)
	tests := []struct {
		name  string
		env   map[string]string
		blobs string
		want  string
	}{
		{"bad URL", creds, "s3://blobs?endpiont=" + dead, `unknown s3:// URL parameter "endpiont"`},
		{"no credentials", env, "s3://blobs?endpoint=" + dead, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		{"unreadable secret file", map[string]string{"SLUIS_DATA": data, "AWS_ACCESS_KEY_ID": "key",
			"AWS_SECRET_ACCESS_KEY_FILE": filepath.Join(data, "missing")}, "s3://blobs?endpoint=" + dead, "AWS_SECRET_ACCESS_KEY_FILE"},
		{"endpoint down", creds, "s3://blobs?endpoint=" + dead, "cannot be reached (check the endpoint)"},
	}
	for _, tt := range tests {
		code, _, errs := sluis(t, tt.env, "", "serve", "--blobs", tt.blobs, "--http", "127.0.0.1:0", "--smtp", "127.0.0.1:0")
		if code != 1 || !strings.Contains(errs, tt.want) || strings.Contains(errs, "hunter2secret") {
			t.Errorf("%s: exit %d, %s\nwant exit 1 and %q", tt.name, code, errs, tt.want)
		}
	}
}

func TestAWSCredentialsFromFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "id"), "AKIDEXAMPLE\n")
	writeFile(t, filepath.Join(dir, "secret"), "s3cr3t\r\n")
	env := map[string]string{"AWS_ACCESS_KEY_ID_FILE": filepath.Join(dir, "id"), "AWS_SECRET_ACCESS_KEY_FILE": filepath.Join(dir, "secret"),
		"AWS_ACCESS_KEY_ID": ""}
	id, secret, token, err := awsCredentials(func(k string) string { return env[k] })
	if err != nil || id != "AKIDEXAMPLE" || secret != "s3cr3t" || token != "" {
		t.Errorf("awsCredentials = %q, %q, %q, %v", id, secret, token, err)
	}
	env["AWS_ACCESS_KEY_ID"] = "direct"
	if id, _, _, _ := awsCredentials(func(k string) string { return env[k] }); id != "direct" {
		t.Errorf("the variable should win over its file: %q", id)
	}
}

func TestServeNamesTheWrongBucketOrCredentials(t *testing.T) {
	srv := s3test.Start(t)
	data := t.TempDir()
	mustRun(t, map[string]string{"SLUIS_DATA": data}, "migrate")
	good := s3Env(srv, map[string]string{"SLUIS_DATA": data})
	wrongSecret := s3Env(srv, map[string]string{"SLUIS_DATA": data, "AWS_SECRET_ACCESS_KEY": "not-the-secret"})
	for _, tt := range []struct {
		name, blobs, want string
		env               map[string]string
	}{
		{"bucket", strings.Replace(srv.URL("x/"), s3test.Bucket, "no-such-bucket", 1), `bucket "no-such-bucket"`, good},
		{"credentials", srv.URL("x/"), "refused the credentials", wrongSecret},
	} {
		code, _, errs := sluis(t, tt.env, "", "serve", "--blobs", tt.blobs, "--http", "127.0.0.1:0", "--smtp", "127.0.0.1:0")
		if code != 1 || !strings.Contains(errs, tt.want) {
			t.Errorf("%s: exit %d, %s\nwant exit 1 and %q", tt.name, code, errs, tt.want)
		}
	}
}

// startWithBlobs runs `sluis serve` like startInstance, with its blobs in
// the bucket behind blobsURL.
func startWithBlobs(t *testing.T, relay *testRelay, srv *s3test.Server, blobsURL string) *instance {
	t.Helper()
	return startInstanceEnv(t, relay, s3Env(srv, map[string]string{"SLUIS_BLOBS": blobsURL}))
}

// readyz returns the status of the readiness probe.
func (in *instance) readyz(t *testing.T) int {
	t.Helper()
	resp, err := http.Get("http://" + in.http + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestIntakeAnswers451WhileTheObjectStoreIsDown takes the bucket away from
// a running instance: a message with an attachment is refused with 451
// 4.3.0 (the mail program retries), nothing of it is stored or announced,
// /readyz says 503, and once the store is back the same mail goes through.
func TestIntakeAnswers451WhileTheObjectStoreIsDown(t *testing.T) {
	srv := s3test.Start(t)
	proxy := srv.Proxy(t)
	prefix := srv.Prefix(t)
	relay := startRelay(t, "")
	in := startWithBlobs(t, relay, srv, strings.Replace(srv.URL(prefix), srv.Endpoint, proxy.Endpoint, 1))
	store := openData(t, in.data)
	attachment := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n", 40000) // 1.4 MB: a streamed upload
	msg := "From: arts@zkh.test\r\nTo: patient@example.com\r\nSubject: Scan\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nDe scan.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=scan.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + attachment + "--b--\r\n"
	messages := func() int { return countRows(t, store, `SELECT COUNT(*) FROM messages`) }

	if err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg); err != nil {
		t.Fatalf("submit with the store up: %v\n%s", err, in.stderr.String())
	}
	relay.wait(t, 1, 30*time.Second)
	if _, err := os.Stat(filepath.Join(in.data, "blobs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("blobs went to the data folder as well: %v", err)
	}

	proxy.SetDown(true)
	err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg)
	var reply *smtp.SMTPError
	if !errors.As(err, &reply) || reply.Code != 451 || reply.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Fatalf("submit with the store down = %v, want 451 4.3.0", err)
	}
	if n := messages(); n != 1 {
		t.Errorf("%d messages stored, want only the first", n)
	}
	if code := in.readyz(t); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the store down = %d, want 503", code)
	}

	proxy.SetDown(false)
	if code := in.readyz(t); code != http.StatusOK {
		t.Errorf("/readyz with the store back = %d, want 200", code)
	}
	if err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg); err != nil {
		t.Fatalf("submit after the store came back: %v", err)
	}
	relay.wait(t, 1, 30*time.Second)
	if n := messages(); n != 2 {
		t.Errorf("%d messages stored, want 2", n)
	}
	select {
	case m := <-relay.ch:
		t.Errorf("unexpected extra mail to %v: the refused message was announced", m.To)
	default:
	}
}

// countRows runs a COUNT query.
func countRows(t *testing.T, store *db.Store, query string) int {
	t.Helper()
	var n int
	if err := store.DB().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBlobsMigrate copies a folder into a bucket, runs again (nothing to
// copy), then repairs a corrupted and a missing object.
func TestBlobsMigrate(t *testing.T) {
	srv := s3test.Start(t)
	folder := filepath.Join(t.TempDir(), "blobs")
	src, err := vault.NewFS(folder)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, size := range []int{0, 100, 3 << 20, 9 << 20} {
		w, err := src.Create(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(bytes.Repeat([]byte{byte(size)}, size)); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID())
	}
	url := srv.URL(srv.Prefix(t))
	env := s3Env(srv, nil)
	migrate := func(want ...string) {
		t.Helper()
		code, out, errs := sluis(t, env, "", "blobs", "migrate", "--from", folder, "--to", url)
		for _, w := range want {
			if code != 0 || !strings.Contains(out, w) {
				t.Fatalf("blobs migrate: exit %d\n%s%s\nwant %q", code, out, errs, w)
			}
		}
	}
	migrate("4 blobs: 4 copied, 0 already in")
	migrate("4 blobs: 0 copied, 4 already in")

	dst, err := openS3(context.Background(), url, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.Import(context.Background(), ids[2], strings.NewReader("bit rot"), 7); err != nil {
		t.Fatal(err)
	}
	if err := dst.Delete(context.Background(), ids[1]); err != nil {
		t.Fatal(err)
	}
	migrate("4 blobs: 1 copied, 2 already in", "1 replaced")
	migrate("4 blobs: 0 copied, 4 already in")
	for _, id := range ids {
		want, n, err := hashBlob(context.Background(), src, id)
		if err != nil {
			t.Fatal(err)
		}
		got, m, err := hashBlob(context.Background(), dst, id)
		if err != nil || got != want || m != n {
			t.Errorf("blob %s in the bucket: %d bytes, %v; want the folder's %d bytes", id, m, err, n)
		}
	}

	code, _, errs := sluis(t, env, "", "blobs", "migrate", "--from", filepath.Join(folder, "missing"), "--to", url)
	if code != 1 || !strings.Contains(errs, "not a blob folder") {
		t.Errorf("a missing folder: exit %d, %s", code, errs)
	}
}
