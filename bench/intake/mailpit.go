package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// mailpitVersion is the Mailpit the issue compares with.
const mailpitVersion = "v1.27.11"

type mailpitServer struct {
	smtp string
	proc *proc
}

// startMailpit runs Mailpit with its SMTP on a free loopback port, taking
// any AUTH PLAIN credentials without TLS, and its database in tmp.
func startMailpit(o options, tmp string) (*mailpitServer, error) {
	bin := o.mailpit
	if bin == "" {
		var err error
		if bin, err = buildMailpit(tmp); err != nil {
			return nil, err
		}
	}
	fmt.Println("mailpit:", moduleVersion(bin, "github.com/axllent/mailpit"), bin)
	smtp, err := freeAddr()
	if err != nil {
		return nil, err
	}
	web, err := freeAddr()
	if err != nil {
		return nil, err
	}
	m := &mailpitServer{smtp: smtp}
	m.proc, err = startProc("mailpit", filepath.Join(tmp, "mailpit.log"), nil, bin,
		"--smtp", smtp, "--listen", web, "--database", filepath.Join(tmp, "mailpit.db"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--smtp-disable-rdns",
		"--disable-version-check", "--quiet")
	if err != nil {
		return nil, err
	}
	return m, m.proc.waitSMTP(smtp, 30*time.Second)
}

func (m *mailpitServer) stop() { m.proc.stop() }

// buildMailpit builds Mailpit from the Go module proxy in a throw-away
// module under tmp, with its own GOPATH and GOBIN (the module cache is
// shared: it only holds verified module versions). `go install pkg@version`
// would do, but it asks the proxy for the version list, which this
// machine's proxy refuses.
func buildMailpit(tmp string) (string, error) {
	dir := filepath.Join(tmp, "mailpit-build")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", err
	}
	env := []string{"GOPATH=" + filepath.Join(dir, "gopath"), "GOBIN=" + filepath.Join(dir, "bin"),
		"GOMODCACHE=" + strings.TrimSpace(string(modcache)), "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0"}
	fmt.Println("building mailpit", mailpitVersion, "in", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "bin", "mailpit")
	for _, args := range [][]string{
		{"mod", "init", "mailpitbuild"},
		{"get", "github.com/axllent/mailpit@" + mailpitVersion},
		{"build", "-o", bin, "github.com/axllent/mailpit"},
	} {
		if err := goBuild(ctx, dir, env, args...); err != nil {
			return "", err
		}
	}
	return bin, nil
}

// moduleVersion reads the version of module path built into bin.
func moduleVersion(bin, path string) string {
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return "(version unknown)"
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && (f[0] == "mod" || f[0] == "dep") && f[1] == path {
			return f[2]
		}
	}
	return "(version unknown)"
}
