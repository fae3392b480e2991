package intake

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/auth"
	"sluis/portal/policy"
	"sluis/portal/secret"
	"sluis/portal/vault"
)

const (
	alice    = "alice@example.com"
	aliceAka = "a.smith@example.com"
	bob      = "bob@example.com" // disabled
	password = "correct horse battery"
)

// cheap keeps argon2id fast in tests; Verify reads the cost from the hash.
var cheap = secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}

// env is a running intake server on a loopback port with a real store.
type env struct {
	srv   *Server
	addr  string
	sub   *fakeSubmitter
	clock *dbtest.Clock
	store *db.Store
	auth  *auth.Service
	user  db.User
	logs  *syncBuffer
	slept *sleeps // the connection's delays and auth's, as the server asked for them
}

// world is what a test's servers share: a store with alice (and her
// alias) and bob (disabled), and a clock.
type world struct {
	store *db.Store
	clock *dbtest.Clock
	user  db.User
}

// newWorld seeds a migrated store whose clock is clock.
func newWorld(t *testing.T, store *db.Store, clock *dbtest.Clock) *world {
	t.Helper()
	ctx := context.Background()
	org, err := store.CreateOrg(ctx, db.NewOrg{Name: "Example", Domains: []string{"example.com"}})
	must(t, err)
	hash, err := secret.HashWith(cheap, password)
	must(t, err)
	u, err := store.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: alice, Role: db.RoleSender, PasswordHash: hash})
	must(t, err)
	must(t, store.AddAlias(ctx, org.ID, u.ID, aliceAka))
	b, err := store.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: bob, Role: db.RoleSender, PasswordHash: hash})
	must(t, err)
	must(t, store.SetUserDisabled(ctx, org.ID, b.ID, true))
	return &world{store: store, clock: clock, user: u}
}

func newClock() *dbtest.Clock { return dbtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)) }

// newEnv starts a server on a fresh SQLite world. tune, if not nil, changes
// the options before the server is built; hook, if not nil, changes the
// server before it serves.
func newEnv(t *testing.T, tune func(*Options), hook func(*Server)) *env {
	t.Helper()
	clock := newClock()
	return startEnv(t, newWorld(t, dbtest.SQLite(t, dbtest.Options{Now: clock.Now}), clock), tune, hook)
}

// startEnv starts a server, with its own auth.Service, on w's store.
func startEnv(t *testing.T, w *world, tune func(*Options), hook func(*Server)) *env {
	t.Helper()
	e := &env{sub: newFakeSubmitter(), clock: w.clock, store: w.store, user: w.user, logs: &syncBuffer{}, slept: &sleeps{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.auth = newAuth(t, w, log, e.slept)
	opt := Options{Store: w.store, Auth: e.auth, Submitter: e.sub, Domain: "sluis.test", Logger: log}
	if tune != nil {
		tune(&opt)
	}
	srv, err := NewServer(opt)
	must(t, err)
	srv.sleep = e.slept.add
	if hook != nil {
		hook(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	e.srv, e.addr = srv, ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return e
}

// newAuth is the sign-in service the web would use on w's store, with
// cheap hashes and its delays recorded in slept instead of waited.
func newAuth(t *testing.T, w *world, log *slog.Logger, slept *sleeps) *auth.Service {
	t.Helper()
	keys, err := vault.LoadOrCreateKey(t.TempDir(), "")
	must(t, err)
	blobs, err := vault.NewFS(t.TempDir())
	must(t, err)
	a, err := auth.New(auth.Options{Store: w.store, Vault: vault.New(keys, blobs), Policy: policy.New(w.store),
		Logger: log, Now: w.clock.Now, Hash: cheap,
		Sleep: func(_ context.Context, d time.Duration) error { slept.add(d); return nil }})
	must(t, err)
	return a
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// dial connects a go-smtp client; it is closed after the test.
func (e *env) dial(t *testing.T) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(e.addr)
	must(t, err)
	t.Cleanup(func() { _ = c.Close() })
	must(t, c.Hello("client.test"))
	return c
}

// login dials and signs in as alice.
func (e *env) login(t *testing.T) *smtp.Client {
	t.Helper()
	c := e.dial(t)
	must(t, c.Auth(saslPlain(alice, password)))
	return c
}

// send runs MAIL, RCPT and DATA and returns the server's verdict.
func send(c *smtp.Client, from string, to []string, msg string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	return w.Close()
}

// wantCode checks that err is an SMTP reply with the given code and
// enhanced code, and returns it.
func wantCode(t *testing.T, err error, code int, enh smtp.EnhancedCode) *smtp.SMTPError {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("want SMTP %d %v, got %v", code, enh, err)
	}
	if se.Code != code || se.EnhancedCode != enh {
		t.Fatalf("want SMTP %d %v, got %d %v %q", code, enh, se.Code, se.EnhancedCode, se.Message)
	}
	return se
}

// saslPlain is a PLAIN client for an address and password.
func saslPlain(addr, pass string) sasl.Client { return sasl.NewPlainClient("", addr, pass) }
