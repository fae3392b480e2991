package portal

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"sluis/db"
)

// passkeyBrowser is a signed-in sender with a software passkey.
func passkeyBrowser(t *testing.T, se *senderEnv) (*browser, *softKey) {
	t.Helper()
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	b.get("/account")
	return b, newSoftKey(t, "http://localhost", "localhost")
}

// register runs a whole registration and expects it to succeed.
func (b *browser) register(k *softKey) {
	b.t.Helper()
	opts := b.postJSON("/account/passkeys/begin", nil)
	if opts.status != http.StatusOK {
		b.t.Fatalf("begin registration: %d %s", opts.status, opts.body)
	}
	if p := b.postJSON("/account/passkeys/finish?name=Telefoon", k.create(opts.body)); p.status != http.StatusOK ||
		!strings.Contains(p.body, "passkey_added") {
		b.t.Fatalf("finish registration: %d %s", p.status, p.body)
	}
}

func (se *senderEnv) passkeyCount(t *testing.T) int {
	t.Helper()
	keys, err := se.auth.Passkeys(context.Background(), se.w.Sender)
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

// signedOut signs b out and opens the sign-in page.
func (b *browser) signedOut() {
	b.t.Helper()
	b.signOut()
	b.get("/signin")
}

func TestPasskeyRegistersAndSignsIn(t *testing.T) {
	se := newSenderEnv(t)
	b, k := passkeyBrowser(t, se)
	b.register(k)
	if n := se.passkeyCount(t); n != 1 {
		t.Fatalf("%d passkeys stored", n)
	}
	mustContain(t, "account", b.get("/account"), http.StatusOK, "Telefoon")
	b.signedOut()

	opts := b.postJSON("/signin/passkey/begin", nil)
	p := b.postJSON("/signin/passkey/finish?next=%2Faccount", k.get(opts.body))
	if p.status != http.StatusOK || !strings.Contains(p.body, `"redirect":"/account"`) {
		t.Fatalf("passkey sign-in: %d %s", p.status, p.body)
	}
	if p := b.get("/account"); p.status != http.StatusOK {
		t.Errorf("after a passkey sign-in /account: %d", p.status)
	}
	events, err := se.w.Store.AuditEvents(context.Background(), se.w.Org.ID, db.AuditQuery{Kind: "signin"})
	if err != nil {
		t.Fatal(err)
	}
	var audited bool
	for _, e := range events {
		audited = audited || (e.Detail == "passkey" && e.ActorID == se.w.Sender.ID)
	}
	if !audited {
		t.Errorf("a passkey sign-in left no audit event: %+v", events)
	}
}

func TestPasskeyRegistrationChallengeIsOneShot(t *testing.T) {
	se := newSenderEnv(t)
	b, k := passkeyBrowser(t, se)
	cases := []struct {
		name  string
		setup func(token, options string) // between begin and the refused finish
	}{
		{"reused", func(token, options string) {
			if p := b.postJSON("/account/passkeys/finish", k.create(options)); p.status != http.StatusOK {
				t.Fatalf("first finish: %d %s", p.status, p.body)
			}
			b.setCeremonyCookie(token)
		}},
		{"expired", func(string, string) { se.w.Clock.Advance(5*time.Minute + time.Second) }},
		{"no cookie", func(string, string) { b.setCeremonyCookie("") }},
		{"a sign-in ceremony", func(string, string) {
			b.postJSON("/signin/passkey/begin", nil) // replaces the cookie with a login ceremony
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b.t = t
			before := se.passkeyCount(t)
			opts := b.postJSON("/account/passkeys/begin", nil)
			c.setup(b.ceremonyCookieOf(), opts.body)
			p := b.postJSON("/account/passkeys/finish", k.create(opts.body))
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "could not be used") {
				t.Errorf("finish: %d %s", p.status, p.body)
			}
			if got := se.passkeyCount(t); got != before+btoi(c.name == "reused") {
				t.Errorf("%d passkeys after a refused finish, had %d", got, before)
			}
			k = newSoftKey(t, k.origin, k.rpID) // a fresh credential for the next case
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPasskeySignInChallengeIsOneShot(t *testing.T) {
	se := newSenderEnv(t)
	b, k := passkeyBrowser(t, se)
	b.register(k)
	b.signedOut()

	opts := b.postJSON("/signin/passkey/begin", nil)
	token := b.ceremonyCookieOf()
	answer := k.get(opts.body)
	if p := b.postJSON("/signin/passkey/finish", answer); p.status != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", p.status, p.body)
	}
	b.signedOut()

	// The same answer again, and a freshly signed one, for the used challenge.
	for _, body := range [][]byte{answer, k.get(opts.body)} {
		b.setCeremonyCookie(token)
		if p := b.postJSON("/signin/passkey/finish", body); p.status != http.StatusUnauthorized {
			t.Errorf("a reused challenge: %d %s", p.status, p.body)
		}
		if p := b.get("/messages"); p.status != http.StatusSeeOther {
			t.Errorf("a reused challenge opened /messages: %d", p.status)
		}
	}

	opts = b.postJSON("/signin/passkey/begin", nil)
	se.w.Clock.Advance(5*time.Minute + time.Second)
	if p := b.postJSON("/signin/passkey/finish", k.get(opts.body)); p.status != http.StatusUnauthorized {
		t.Errorf("an expired challenge: %d %s", p.status, p.body)
	}
	if p := b.get("/messages"); p.status != http.StatusSeeOther {
		t.Errorf("an expired challenge opened /messages: %d", p.status)
	}
}

func TestPasskeyCeremonyBelongsToItsUser(t *testing.T) {
	se := newSenderEnv(t)
	b, k := passkeyBrowser(t, se)
	opts := b.postJSON("/account/passkeys/begin", nil)
	token := b.ceremonyCookieOf()

	se.addUser(t, "andere@zkh.example", db.RoleSender)
	other := se.browser(t)
	other.signIn("andere@zkh.example", senderPassword, "/messages")
	other.get("/account")
	other.setCeremonyCookie(token)
	if p := other.postJSON("/account/passkeys/finish", k.create(opts.body)); p.status != http.StatusUnprocessableEntity {
		t.Errorf("another user's ceremony: %d %s", p.status, p.body)
	}
	if n := se.passkeyCount(t); n != 0 {
		t.Errorf("%d passkeys stored for the first user", n)
	}
}
