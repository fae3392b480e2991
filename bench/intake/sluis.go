package main

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sluis/bench/internal/seed"
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
// A seed above 0 fills its database with that many address-book entries
// and messages before it starts.
func startSluis(bin, tmp, name string, seedN int, env ...string) (*sluisServer, error) {
	s := &sluisServer{name: name, bin: bin, data: filepath.Join(tmp, name+"-data")}
	s.env = append([]string{"SLUIS_DATA=" + s.data}, env...)
	if err := s.setup(); err != nil {
		return nil, err
	}
	if seedN > 0 {
		if err := seedData(s.dsn(), seedN); err != nil {
			return nil, err
		}
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
	return raiseSizeLimit(s.dsn())
}

// dsn is the database serve uses: SLUIS_DATABASE when set, else the
// SQLite file in the data folder.
func (s *sluisServer) dsn() string {
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "SLUIS_DATABASE="); ok {
			return v
		}
	}
	return filepath.Join(s.data, "sluis.db")
}

// seedData adds n address-book entries and n stored messages.
func seedData(dsn string, n int) error {
	ctx := context.Background()
	store, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Printf("seeding %d address-book entries and %d messages\n", n, n)
	return seed.Run(ctx, store, seed.Options{Domain: benchDomain, Sender: benchSender, Contacts: n, Messages: n})
}

// createDatabase makes a fresh database on the PostgreSQL server of admin
// and returns its URL and a function that drops it.
func createDatabase(admin string) (string, func(), error) {
	ctx := context.Background()
	store, err := db.Open(ctx, admin, db.Options{})
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("sluis_bench_%d", time.Now().UnixNano())
	if _, err := store.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = store.Close()
		return "", nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		_ = store.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if _, err := store.DB().ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			fmt.Println("dropping", name+":", err)
		}
		_ = store.Close()
	}
	return u.String(), drop, nil
}

// raiseSizeLimit lets the organisation's units send the large message:
// their policy allows 25 MB by default, 200 MB at most. An admin would do
// this in the web app; there is no command for it.
func raiseSizeLimit(dsn string) error {
	ctx := context.Background()
	store, err := db.Open(ctx, dsn, db.Options{})
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
