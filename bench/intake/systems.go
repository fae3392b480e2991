package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sluis/portal/vault/s3test"
)

// system is one SMTP server under test.
type system struct {
	name       string
	addr       string
	proc       func() *proc // the server's process; nil when it runs in the bench
	sluis      *sluisServer // only for Sluis
	afterRound func(acked int64) error
	total      int64 // messages acknowledged so far, warm-up included
}

// round drives the load for d and, for Sluis, waits for its notifications.
// The server's CPU time is counted until then: Sluis's notifications are
// part of the work a message costs it.
func (s *system) round(o options, d time.Duration, msg *message) (result, error) {
	var cpu0 time.Duration
	if s.proc != nil {
		cpu0 = s.proc().cpuTime()
	}
	res, err := drive(s.addr, o.conns, d, msg)
	if err != nil {
		return res, err
	}
	s.total += res.acked
	if s.afterRound != nil {
		err = s.afterRound(s.total)
	}
	if s.proc != nil {
		res.cpu = s.proc().cpuTime() - cpu0
	}
	return res, err
}

// startSystems starts Sluis, Mailpit and the discarding server; stop ends
// whatever was started, also after an error.
func startSystems(o options, tmp string) ([]*system, func(), error) {
	var stops []func()
	stop := func() {
		for _, f := range slices.Backward(stops) {
			f()
		}
	}
	discard, err := startDiscard()
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, discard.close)
	bin := o.sluis
	if bin == "" {
		if bin, err = buildSluis(tmp); err != nil {
			return nil, stop, err
		}
	}
	var systems []*system
	addSluis := func(name string, env ...string) error {
		sl, err := startSluis(bin, tmp, name, 0, env...)
		if sl != nil {
			stops = append(stops, sl.stop)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		systems = append(systems, &system{name: name, addr: sl.smtp, sluis: sl, afterRound: sl.waitNotified,
			proc: func() *proc { return sl.proc }})
		return nil
	}
	if err := addSluis("sluis"); err != nil {
		return nil, stop, err
	}
	if o.seed > 0 {
		sl, err := startSluis(bin, tmp, "sluis-seeded", o.seed)
		if sl != nil {
			stops = append(stops, sl.stop)
		}
		if err != nil {
			return nil, stop, fmt.Errorf("sluis-seeded: %w", err)
		}
		systems = append(systems, &system{name: "sluis-seeded", addr: sl.smtp, sluis: sl, afterRound: sl.waitNotified,
			proc: func() *proc { return sl.proc }})
	}
	if o.pg != "" {
		url, drop, err := createDatabase(o.pg)
		if err != nil {
			return nil, stop, fmt.Errorf("PostgreSQL: %w", err)
		}
		stops = append(stops, drop)
		if err := addSluis("sluis-pg", "SLUIS_DATABASE="+url); err != nil {
			return nil, stop, err
		}
	}
	if o.weed != "" {
		weed, err := s3test.Launch(o.weed)
		if err != nil {
			return nil, stop, fmt.Errorf("SeaweedFS: %w", err)
		}
		stops = append(stops, weed.Close)
		fmt.Println("SeaweedFS:", o.weed, "S3 API at", weed.Endpoint)
		if err := addSluis("sluis-s3", "SLUIS_BLOBS="+weed.URL("bench/"),
			"AWS_ACCESS_KEY_ID="+weed.AccessKey, "AWS_SECRET_ACCESS_KEY="+weed.SecretKey); err != nil {
			return nil, stop, err
		}
	}
	if !o.noMP {
		mp, err := startMailpit(o, tmp)
		if mp != nil {
			stops = append(stops, mp.stop)
		}
		if err != nil {
			return nil, stop, fmt.Errorf("mailpit: %w", err)
		}
		systems = append(systems, &system{name: "mailpit", addr: mp.smtp, proc: func() *proc { return mp.proc }})
	}
	return append(systems, &system{name: "discard", addr: discard.addr}), stop, nil
}

// proc is a subprocess with its log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startProc(name, log string, env []string, bin string, args ...string) (*proc, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, log: log, done: make(chan struct{}), cmd: exec.Command(bin, args...)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	err = p.cmd.Start()
	_ = f.Close()
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// waitSMTP waits until addr accepts connections, or the process exits.
func (p *proc) waitSMTP(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v):\n%s", p.name, p.err, p.tail())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s does not listen on %s after %s:\n%s", p.name, addr, timeout, p.tail())
}

// stop sends SIGTERM and waits; a process that hangs is killed.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		fmt.Fprintf(os.Stderr, "%s did not stop within 30 s of SIGINT; killing it\n", p.name)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail returns the end of the process's log.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4<<10 {
		b = b[len(b)-4<<10:]
	}
	return string(b)
}

// vmHWM is the process's peak resident memory in KiB, from /proc.
func (p *proc) vmHWM() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, _ = fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return -1
}

// cpuTime is the user and system CPU time the process has used, from /proc.
func (p *proc) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var utime, stime int64
	_, _ = fmt.Sscan(f[11], &utime)
	_, _ = fmt.Sscan(f[12], &stime)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on Linux.
const clockTicks = 100

func fmtKB(kb int64) string {
	return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
}

// freeAddr returns a loopback address with a free port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// goBuild runs the go tool in dir with extra environment.
func goBuild(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// moduleRoot is the folder of this module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the bench from inside the sluis module (go run ./bench/intake)")
	}
	return filepath.Dir(gomod), nil
}
