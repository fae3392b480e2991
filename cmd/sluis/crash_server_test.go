package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildSluis builds the real binary (without -race: it is the product
// under test, not the test).
func buildSluis(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sluis")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the crash test builds the binary and needs the go tool: %v", err)
	}
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashServer is a data folder and the flags that serve it, started as a
// subprocess of the built binary.
type crashServer struct {
	bin, data, http, smtp, relay string
	logs                         []string
}

func newCrashServer(t *testing.T, bin, relay string) *crashServer {
	t.Helper()
	s := &crashServer{bin: bin, data: t.TempDir(), http: "127.0.0.1:" + freePort(t), smtp: "127.0.0.1:" + freePort(t), relay: relay}
	s.cli(t, "migrate")
	s.cli(t, "org", "create", "--name", "Ziekenhuis Test", "--domain", "zkh.test")
	s.cli(t, "user", "add", "--email", "arts@zkh.test", "--name", "Dr. Arts", "--language", "en", "--password", e2ePassword)
	book := filepath.Join(s.data, "book.csv")
	rows := "email_address,full_name,phone_number\n"
	for i, a := range crashRcpts {
		rows += fmt.Sprintf("%s,Recipient %d,+3161234567%d\n", a, i, i)
	}
	writeFile(t, book, rows)
	s.cli(t, "contacts", "import", "--org", "zkh.test", book)
	return s
}

func (s *crashServer) cli(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "SLUIS_DATA="+s.data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sluis %v: %v\n%s", args, err, out)
	}
}

// serveProc is one running `sluis serve`; done is closed when it exits.
type serveProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit status, once done
}

// start runs `sluis serve` and waits until it answers /readyz.
func (s *crashServer) start(t *testing.T) *serveProc {
	t.Helper()
	logName := filepath.Join(t.TempDir(), fmt.Sprintf("serve-%d.log", len(s.logs)))
	s.logs = append(s.logs, logName)
	p := launch(t, s.bin, logName, []string{"SLUIS_DATA=" + s.data}, "serve", "--http", s.http, "--smtp", s.smtp,
		"--relay", "smtp://"+s.relay, "--base-url", "http://"+s.http, "--mail-from", "sluis@zkh.test", "--shutdown-grace", "10s")
	p.waitReady(t, s.http, func() string { return s.log(t) })
	return p
}

// launch starts the binary with args, the test's environment plus env,
// its output in the file logName; the process is killed when the test ends.
func launch(t *testing.T, bin, logName string, env []string, args ...string) *serveProc {
	t.Helper()
	logFile, err := os.Create(logName)
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	err = p.cmd.Start()
	_ = logFile.Close() // the child has its own descriptor
	if err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	return p
}

// waitReady waits until the process answers /readyz on httpAddr with 200;
// log tells what it wrote, should it never get there.
func (p *serveProc) waitReady(t *testing.T, httpAddr string, log func() string) {
	t.Helper()
	for range 1200 {
		if resp, err := http.Get("http://" + httpAddr + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("serve exited (%v) before it was ready:\n%s", p.err, log())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not come up:\n%s", log())
}

// stop ends serve with SIGTERM, as an operator would, and expects a clean exit.
func (s *crashServer) stop(t *testing.T, p *serveProc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", p.err, s.log(t))
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not stop within 30 s of SIGTERM:\n%s", s.log(t))
	}
}

// log returns the tail of every serve log so far.
func (s *crashServer) log(t *testing.T) string {
	var b strings.Builder
	for _, name := range s.logs {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Logf("reading %s: %v", name, err)
		}
		if len(data) > 8<<10 {
			data = data[len(data)-8<<10:]
		}
		fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(name), data)
	}
	return b.String()
}
