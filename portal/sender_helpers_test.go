package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/auth"
	"sluis/portal/policy"
	"sluis/portal/secret"
)

// senderPassword is every test sender's password.
const senderPassword = "correct horse battery"

// cheapHash keeps argon2id fast in tests.
var cheapHash = secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}

// senderEnv is the whole portal, recipient and sender sides, over a World.
type senderEnv struct {
	*recipientEnv
	auth   *auth.Service
	policy *policy.Service
	jobs   *jobRecorder
}

// jobRecorder is a job queue that records what was enqueued; it runs nothing.
type jobRecorder struct {
	mu   sync.Mutex
	jobs []river.JobArgs
}

func (j *jobRecorder) InsertTx(_ context.Context, _ *db.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jobs = append(j.jobs, args)
	return nil
}

// count counts the jobs of one kind.
func (j *jobRecorder) count(kind string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, a := range j.jobs {
		if a.Kind() == kind {
			n++
		}
	}
	return n
}

func newSenderEnv(t *testing.T) *senderEnv {
	t.Helper()
	return newSenderEnvOn(t, nil)
}

// newSenderEnvOn is newSenderEnv on store (nil: a fresh SQLite store).
func newSenderEnvOn(t *testing.T, store *db.Store) *senderEnv {
	t.Helper()
	se := portalOver(t, testworld.New(t, store, ""))
	se.setPassword(t, se.w.Sender)
	return se
}

// portalOver builds the services and the portal over w's store, and
// serves it.
func portalOver(t *testing.T, w *testworld.World) *senderEnv {
	t.Helper()
	jobs := &jobRecorder{}
	e := newEnv(t, func(o *Options) { worldSetup{jobs: jobs, unitPolicy: true}.options(t, w, o) })
	se := &senderEnv{recipientEnv: &recipientEnv{env: e, w: w, v: e.opt.Verify, srv: httptest.NewServer(e.s.Handler())},
		auth: e.opt.Auth, policy: e.opt.Policy, jobs: jobs}
	t.Cleanup(se.srv.Close)
	return se
}

func (se *senderEnv) setPassword(t *testing.T, u db.User) {
	t.Helper()
	h, err := secret.HashWith(cheapHash, senderPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := se.w.Store.SetPassword(context.Background(), u.OrgID, u.ID, h); err != nil {
		t.Fatal(err)
	}
}

// addUser adds another user of the organisation, with the test password.
func (se *senderEnv) addUser(t *testing.T, email, role string) db.User {
	t.Helper()
	u, err := se.w.Store.CreateUser(context.Background(), db.NewUser{OrgID: se.w.Org.ID, Email: email, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	se.setPassword(t, u)
	return u
}

// signIn signs b in with the password and expects to land at want.
func (b *browser) signIn(email, password, want string) page {
	b.t.Helper()
	b.get("/signin")
	return b.finishSignIn(url.Values{"email": {email}, "password": {password}}, want)
}

// signInNext signs b in from the sign-in page a link to next led to.
func (b *browser) signInNext(email, password, next string) page {
	b.t.Helper()
	b.get("/signin?next=" + url.QueryEscape(next))
	return b.finishSignIn(url.Values{"email": {email}, "password": {password}, "next": {next}}, next)
}

func (b *browser) finishSignIn(form url.Values, want string) page {
	b.t.Helper()
	email := form.Get("email")
	p := b.post("/signin", form)
	if p.status != http.StatusSeeOther || p.location != want {
		b.t.Fatalf("sign in as %s: %d to %q, want %q\n%s", email, p.status, p.location, want, mainOf(p.body))
	}
	b.get(p.location) // as a browser does; the CSRF token changed
	return p
}

var (
	secretRE   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryRE = regexp.MustCompile(`<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>`)
)

// enrolTOTP sets up TOTP for the signed-in b and returns the secret and
// the recovery codes.
func (b *browser) enrolTOTP(se *senderEnv) (string, []string) {
	b.t.Helper()
	p := b.get("/account/totp")
	m := secretRE.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("the enrolment page shows no secret:\n%s", mainOf(p.body))
	}
	p = b.post("/account/totp", url.Values{"code": {code(b.t, m[1], se.w.Clock.Now())}})
	var codes []string
	for _, c := range recoveryRE.FindAllStringSubmatch(p.body, -1) {
		codes = append(codes, c[1])
	}
	if p.status != http.StatusOK || len(codes) != 10 {
		b.t.Fatalf("confirming TOTP: %d with %d recovery codes\n%s", p.status, len(codes), mainOf(p.body))
	}
	return m[1], codes
}

func code(t *testing.T, sec string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(sec, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signOut signs b out.
func (b *browser) signOut() {
	b.t.Helper()
	b.get("/about") // a page with the sign-out form and the current token
	if p := b.post("/signout", nil); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign out: %d", p.status)
	}
}
