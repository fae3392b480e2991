package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sluis runs one command as the binary would and returns its exit code and output.
func sluis(t *testing.T, environ map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return environ[k] }}
	code := run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func TestOperatorCommands(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"SLUIS_DATA": data}
	steps := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		contains string
	}{
		{"commands refuse an unmigrated database", "", []string{"user", "add", "--email", "jan@voorbeeld.nl", "--password", "correct horse battery"}, 1, "run 'sluis migrate'"},
		{"serve never migrates by itself", "", []string{"serve", "--http", "127.0.0.1:0", "--smtp", "127.0.0.1:0"}, 1, "run 'sluis migrate'"},
		{"migrate", "", []string{"migrate"}, 0, "schema at version"},
		{"migrate again", "", []string{"migrate"}, 0, "applied 0 migrations"},
		{"org create", "", []string{"org", "create", "--name", "Gemeente Voorbeeld", "--domain", "voorbeeld.nl"}, 0, `"Gemeente Voorbeeld"`},
		{"duplicate domain", "", []string{"org", "create", "--name", "Other", "--domain", "VOORBEELD.nl"}, 1, "already exists"},
		{"bad domain", "", []string{"org", "create", "--name", "X", "--domain", "not a domain"}, 1, "not a mail domain"},
		{"no name", "", []string{"org", "create", "--domain", "x.nl"}, 1, "name"},
		{"user from stdin", "correct horse battery\n", []string{"user", "add", "--email", "jan@voorbeeld.nl", "--role", "sender"}, 0, "added sender jan@voorbeeld.nl"},
		{"admin with flag", "", []string{"user", "add", "--email", "admin@voorbeeld.nl", "--role", "admin", "--password", "a long admin password"}, 0, "added admin"},
		{"duplicate user", "", []string{"user", "add", "--email", "jan@voorbeeld.nl", "--password", "another password!"}, 1, "already exists"},
		{"unknown organisation", "", []string{"user", "add", "--email", "x@elders.nl", "--password", "a long password!"}, 1, "no organisation has the domain elders.nl"},
		{"bad address", "", []string{"user", "add", "--email", "not-an-address", "--password", "a long password!"}, 1, "not a mail address"},
		{"bad role", "", []string{"user", "add", "--email", "p@voorbeeld.nl", "--role", "root", "--password", "a long password!"}, 1, "sender or admin"},
		{"short password", "", []string{"user", "add", "--email", "p@voorbeeld.nl", "--password", "short"}, 1, "12 to 256 characters"},
		{"no password", "", []string{"user", "add", "--email", "p@voorbeeld.nl"}, 1, "no password"},
		{"unknown flag", "", []string{"org", "create", "--nonsense"}, 2, "flag provided but not defined"},
		{"unknown command", "", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, s := range steps {
		code, out, errs := sluis(t, env, s.stdin, s.args...)
		if code != s.code || !strings.Contains(out+errs, s.contains) {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant output containing %q", s.name, code, s.code, out, errs, s.contains)
		}
	}
}

func TestContactsImportCommand(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"SLUIS_DATA": data}
	mustRun(t, env, "migrate")
	mustRun(t, env, "org", "create", "--name", "Ziekenhuis", "--domain", "zkh.nl")
	good := filepath.Join(t.TempDir(), "good.csv")
	writeFile(t, good, "email_address,full_name,phone_number,access_code,access_code_hint\n"+
		"alice@example.com,Alice,06-12345678,,\nbob@example.org,Bob,,geheim123,de gebruikelijke\n")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	writeFile(t, bad, "email_address;phone_number\ncarla@example.com;+31201234567\ndirk@example.com;+31612345670\n")

	code, out, _ := sluis(t, env, "", "contacts", "import", "--org", "zkh.nl", "--dry-run", good)
	if code != 0 || !strings.Contains(out, "would import") || !strings.Contains(out, "2 created") {
		t.Errorf("dry run: %d %s", code, out)
	}
	code, out, _ = sluis(t, env, "", "contacts", "import", "--org", "zkh.nl", good)
	if code != 0 || !strings.Contains(out, "2 rows read; imported: 2 created") {
		t.Errorf("import: %d %s", code, out)
	}
	code, out, errs := sluis(t, env, "", "contacts", "import", "--org", "zkh.nl", bad)
	if code != 1 || !strings.Contains(out, "line 2: carla@example.com: not a mobile number") || !strings.Contains(out, "1 created") || !strings.Contains(errs, "1 rows were not imported") {
		t.Errorf("bad rows: %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = sluis(t, env, "email_address\nerin@example.com\n", "contacts", "import", "--org", "zkh.nl", "-")
	if code != 0 || !strings.Contains(out, "1 created") {
		t.Errorf("stdin import: %d %s", code, out)
	}
	for name, args := range map[string][]string{
		"unknown org":  {"contacts", "import", "--org", "nope.nl", good},
		"missing file": {"contacts", "import", "--org", "zkh.nl", filepath.Join(data, "missing.csv")},
		"not CSV":      {"contacts", "import", "--org", "zkh.nl", "/dev/null"},
	} {
		if code, out, errs := sluis(t, env, "", args...); code != 1 || errs == "" {
			t.Errorf("%s: exit %d\n%s%s", name, code, out, errs)
		}
	}
}

func mustRun(t *testing.T, env map[string]string, args ...string) {
	t.Helper()
	if code, out, errs := sluis(t, env, "", args...); code != 0 {
		t.Fatalf("sluis %v: exit %d\n%s%s", args, code, out, errs)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestServeFailsFastOnBadDataOrDatabase(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	writeFile(t, file, "x")
	code, _, errs := sluis(t, nil, "", "serve", "--data", filepath.Join(file, "data"))
	if code != 1 || !strings.Contains(errs, "data folder") {
		t.Errorf("unusable data folder: exit %d, %s", code, errs)
	}
	code, _, errs = sluis(t, nil, "", "serve", "--data", t.TempDir(), "--database", "postgres://sluis:hunter2@127.0.0.1:1/none?connect_timeout=2")
	if code != 1 || !strings.Contains(errs, "database postgres://sluis:xxxxx@127.0.0.1:1") || strings.Contains(errs, "hunter2") {
		t.Errorf("unreachable database: exit %d, %s", code, errs)
	}
}

func TestEnvironmentTwins(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "relay")
	writeFile(t, secretFile, "smtp://u:p@relay.test:25\n")
	var c config
	fs := newFlags("serve", env{stderr: &bytes.Buffer{}}, &c)
	environ := map[string]string{"SLUIS_BASE_URL": "https://mail.example.nl", "SLUIS_HTTP": ":9999",
		"SLUIS_RELAY_FILE": secretFile, "SLUIS_INSECURE_AUTH": "true"}
	if err := parseFlags(fs, []string{"--http", ":7777"}, env{getenv: func(k string) string { return environ[k] }}); err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://mail.example.nl" || c.HTTP != ":7777" || c.Relay != "smtp://u:p@relay.test:25" || !c.InsecureAuth {
		t.Errorf("config = %+v", c)
	}
}

func TestServeRunsAndShutsDown(t *testing.T) {
	data := t.TempDir()
	metricsAddr := "127.0.0.1:" + freePort(t)
	env := map[string]string{"SLUIS_DATA": data, "SLUIS_METRICS_LISTEN": metricsAddr}
	mustRun(t, env, "migrate")
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var errb bytes.Buffer
	go func() {
		e := env2(env, &errb)
		done <- run(ctx, []string{"serve", "--http", "127.0.0.1:" + port, "--smtp", "127.0.0.1:" + freePort(t)}, e)
	}()
	url := "http://127.0.0.1:" + port
	var resp *http.Response
	var err error
	for range 100 {
		if resp, err = http.Get(url + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("serve did not come up: %v\n%s", err, errb.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/readyz = %d", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(data, "master.key")); err != nil {
		t.Errorf("no key generated in the data folder: %v", err)
	}
	if code, body := httpGet(t, url+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics on the public listener: %d", code)
	}
	if code, body := httpGet(t, "http://"+metricsAddr+"/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics on --metrics-listen: %d", code)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after SIGTERM:\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func env2(environ map[string]string, stderr *bytes.Buffer) env {
	return env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: stderr, getenv: func(k string) string { return environ[k] }}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// httpGet answers the status and body of a GET.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
