package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sluis/db"
	"sluis/portal/policy"
)

// Who sends and receives in the bench.
const (
	benchDomain   = "bench.test"
	benchSender   = "sender@bench.test"
	benchPassword = "bench password, long enough"
)

// benchRcpts are external and all in the organisation's address book.
var benchRcpts = []string{"alice@example.com", "bob@example.org", "carla@example.net"}

// sluisServer is `sluis serve` on a temporary data folder, its relay a
// discarding server that counts the notifications.
type sluisServer struct {
	name                  string
	env                   []string // SLUIS_DATA, and the blob store's settings
	bin, data, http, smtp string
	relay                 *discard
	proc                  *proc
	drained               time.Duration // waiting for notifications after rounds, in all
	runs                  int
}

// buildSluis builds ./cmd/sluis of this module into tmp.
func buildSluis(tmp string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(tmp, "sluis")
	fmt.Println("building sluis from", root)
	return bin, goBuild(context.Background(), root, []string{"CGO_ENABLED=0"}, "build", "-o", bin, "./cmd/sluis")
}

// startSluis sets up and starts the Sluis called name in a data folder of
// its own; env adds to its environment (the blob store).
func startSluis(bin, tmp, name string, env ...string) (*sluisServer, error) {
	s := &sluisServer{name: name, bin: bin, data: filepath.Join(tmp, name+"-data")}
	s.env = append([]string{"SLUIS_DATA=" + s.data}, env...)
	if err := s.setup(); err != nil {
		return nil, err
	}
	var err error
	if s.relay, err = startDiscard(); err != nil {
		return nil, err
	}
	return s, s.start()
}

// setup creates the organisation, the sender and the address book.
func (s *sluisServer) setup() error {
	book := filepath.Join(filepath.Dir(s.data), s.name+"-book.csv")
	rows := "email_address,full_name,phone_number\n"
	for i, a := range benchRcpts {
		rows += fmt.Sprintf("%s,Recipient %d,+3161234560%d\n", a, i, i)
	}
	steps := [][]string{
		{"migrate"},
		{"org", "create", "--name", "Bench", "--domain", benchDomain},
		{"user", "add", "--email", benchSender, "--name", "Bench Sender", "--language", "en", "--password", benchPassword},
		{"contacts", "import", "--org", benchDomain, book},
	}
	if err := writeFile(book, rows); err != nil {
		return err
	}
	for _, args := range steps {
		cmd := exec.Command(s.bin, args...)
		cmd.Env = s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("sluis %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	return raiseSizeLimit(s.data)
}

// raiseSizeLimit lets the organisation's units send the large message:
// their policy allows 25 MB by default, 200 MB at most. An admin would do
// this in the web app; there is no command for it.
func raiseSizeLimit(data string) error {
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(data, "sluis.db"), db.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	org, err := store.OrgByDomain(ctx, benchDomain)
	if err != nil {
		return err
	}
	return policy.New(store).Set(ctx, org.ID, org.RootUnit, policy.MaxMessageSize, "200", "bench")
}

// start runs serve (again) on the data folder and waits for its SMTP port.
func (s *sluisServer) start() error {
	var err error
	if s.http, err = freeAddr(); err != nil {
		return err
	}
	if s.smtp, err = freeAddr(); err != nil {
		return err
	}
	s.runs++
	log := filepath.Join(filepath.Dir(s.data), fmt.Sprintf("%s-%d.log", s.name, s.runs))
	s.proc, err = startProc(s.name, log, s.env, s.bin, "serve",
		"--http", s.http, "--smtp", s.smtp, "--relay", "smtp://"+s.relay.addr, "--base-url", "http://"+s.http,
		"--mail-from", "sluis@"+benchDomain, "--max-message-size", fmt.Sprint(512<<20))
	if err != nil {
		return err
	}
	return s.proc.waitSMTP(s.smtp, 30*time.Second)
}

func (s *sluisServer) stop() {
	if s.proc != nil {
		s.proc.stop()
	}
	if s.relay != nil {
		s.relay.close()
	}
}

// waitNotified waits until the relay has every notification of the acked
// messages so far, so Sluis's jobs do not run into another system's round.
func (s *sluisServer) waitNotified(acked int64) error {
	start := time.Now()
	want := acked * int64(len(benchRcpts))
	for s.relay.count.Load() < want {
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("the relay got %d of %d notifications after 5 minutes:\n%s", s.relay.count.Load(), want, s.proc.tail())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.drained += time.Since(start)
	return nil
}
