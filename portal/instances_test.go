package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// twoPortals are two portals on one PostgreSQL database, each with its own
// Store handle and its own services, as two `sluis serve` processes behind
// a load balancer would be. They share the master key and the blob store
// (as instances share them) and the clock. A browser keeps its cookies for
// both, as it would under the one host name of the load balancer (cookies
// do not depend on the port).
type twoPortals struct {
	a, b *senderEnv
}

func newTwoPortals(t *testing.T) *twoPortals {
	t.Helper()
	dsn := dbtest.PostgresDSN(t)
	storeA, storeB := openPortalStore(t, dsn), openPortalStore(t, dsn)
	if _, err := storeA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := newSenderEnvOn(t, storeA)
	w := *a.w
	w.Store = storeB
	return &twoPortals{a: a, b: portalOver(t, &w)}
}

func openPortalStore(t *testing.T, dsn string) *db.Store {
	t.Helper()
	s, err := db.Open(context.Background(), dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// at is the same browser (cookies, last CSRF token) talking to another
// instance.
func (b *browser) at(se *senderEnv) *browser {
	other := *b
	other.re = se.recipientEnv
	return &other
}

// TestStaffSessionAcrossInstances: a sign-in at A (with the CSRF token of
// A's page) opens pages at B, and signing out at B ends it at A.
func TestStaffSessionAcrossInstances(t *testing.T) {
	p := newTwoPortals(t)
	atA := p.a.browser(t)
	atA.get("/signin")
	atB := atA.at(p.b)
	signedIn := atB.post("/signin", url.Values{"email": {"arts@zkh.example"}, "password": {senderPassword}})
	if signedIn.status != http.StatusSeeOther || signedIn.location != "/messages" {
		t.Fatalf("sign-in at B with A's form: %d to %q", signedIn.status, signedIn.location)
	}
	if pg := atA.get("/messages"); pg.status != http.StatusOK {
		t.Fatalf("A with B's session: %d", pg.status)
	}
	atB = atA.at(p.b) // A's page carried the new token
	if pg := atB.post("/signout", nil); pg.status != http.StatusSeeOther {
		t.Fatalf("sign out at B: %d", pg.status)
	}
	if pg := atA.get("/messages"); pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.location, "/signin") {
		t.Errorf("A after signing out at B: %d to %q", pg.status, pg.location)
	}
}

// TestPasskeyCeremoniesAcrossInstances: a registration begun at A finishes
// at B, and a sign-in begun at B finishes at A.
func TestPasskeyCeremoniesAcrossInstances(t *testing.T) {
	p := newTwoPortals(t)
	atA, k := passkeyBrowser(t, p.a)
	opts := atA.postJSON("/account/passkeys/begin", nil)
	if opts.status != http.StatusOK {
		t.Fatalf("begin registration at A: %d %s", opts.status, opts.body)
	}
	if pg := atA.at(p.b).postJSON("/account/passkeys/finish?name=Telefoon", k.create(opts.body)); pg.status != http.StatusOK {
		t.Fatalf("finish registration at B: %d %s", pg.status, pg.body)
	}
	if n := p.a.passkeyCount(t); n != 1 {
		t.Fatalf("%d passkeys stored", n)
	}
	atA.signedOut()
	atB := atA.at(p.b)
	opts = atB.postJSON("/signin/passkey/begin", nil)
	pg := atA.postJSON("/signin/passkey/finish?next=%2Faccount", k.get(opts.body))
	if pg.status != http.StatusOK || !strings.Contains(pg.body, `"redirect":"/account"`) {
		t.Fatalf("passkey sign-in begun at B, finished at A: %d %s", pg.status, pg.body)
	}
	if pg := atB.get("/account"); pg.status != http.StatusOK {
		t.Errorf("B after the passkey sign-in: %d", pg.status)
	}
}

// TestTOTPReplayAcrossInstances: a second-factor code used at A is refused
// at B (the replay guard is in the database).
func TestTOTPReplayAcrossInstances(t *testing.T) {
	p := newTwoPortals(t)
	atA := p.a.browser(t)
	atA.signIn("arts@zkh.example", senderPassword, "/messages")
	sec, _ := atA.enrolTOTP(p.a)
	atA.signOut()
	p.a.w.Clock.Advance(30 * time.Second) // the enrolment used this step's code

	atA.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	c := code(t, sec, p.a.w.Clock.Now())
	if pg := atA.post("/signin/code", url.Values{"code": {c}}); pg.location != "/messages" {
		t.Fatalf("the code at A: %d to %q", pg.status, pg.location)
	}
	other := p.b.browser(t)
	other.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	pg := other.post("/signin/code", url.Values{"code": {c}})
	mustContain(t, "A's code replayed at B", pg, http.StatusUnauthorized, "was used already")
}

// TestRecipientAcrossInstances: a recipient asks for a code at A, enters
// it at B, and reads the message and its attachment at A and B.
func TestRecipientAcrossInstances(t *testing.T) {
	p := newTwoPortals(t)
	rc := p.a.smsRecipient(t)
	link := p.a.w.Path(rc)
	atA := p.a.browser(t)
	atA.get(link)
	if pg := atA.post(link+"/code", nil); pg.status != http.StatusSeeOther {
		t.Fatalf("send code at A: %d", pg.status)
	}
	atA.get(link)
	c := p.a.w.Texts.LastCode(rc.Phone)
	if pg := atA.at(p.b).post(link+"/check", url.Values{"code": {c}}); pg.location != link+"/read" {
		t.Fatalf("A's code at B: %d to %q", pg.status, pg.location)
	}
	var files []string
	for _, se := range []*senderEnv{p.a, p.b} {
		at := atA.at(se)
		mustContain(t, "the message at "+se.srv.URL, at.get(link+"/read"), http.StatusOK, "Uitslag onderzoek")
		mustContain(t, "the message's body at "+se.srv.URL, at.get(link+"/body"), http.StatusOK, "Beste mevrouw Jansen")
		pg := at.get(link + "/files/1")
		if pg.status != http.StatusOK || pg.body == "" {
			t.Errorf("the attachment at %s: %d, %d bytes", se.srv.URL, pg.status, len(pg.body))
		}
		files = append(files, pg.body)
	}
	if files[0] != files[1] {
		t.Error("A and B serve different attachments")
	}
}
