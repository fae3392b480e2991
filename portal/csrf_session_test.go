package portal

import (
	"net/http"
	"net/url"
	"testing"
)

// TestCSRFBoundToSession: a token lifted from one signed-in session is
// refused in another (same user, even), every sign-in step gives a new
// token, and the token from before signing in no longer works.
func TestCSRFBoundToSession(t *testing.T) {
	se := newSenderEnv(t)
	a, b := se.browser(t), se.browser(t)
	b.get("/signin")
	beforeSignIn := b.csrf
	a.signIn("arts@zkh.example", senderPassword, "/messages")
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	a.get("/account")
	b.get("/account")
	if a.csrf == "" || a.csrf == b.csrf {
		t.Fatalf("two sessions share the CSRF token %q", a.csrf)
	}
	if b.csrf == beforeSignIn {
		t.Error("signing in kept the CSRF token")
	}
	own := b.csrf
	for name, token := range map[string]string{"another session's": a.csrf, "the one from before signing in": beforeSignIn} {
		b.csrf = token
		if p := b.post("/account/signout-all", nil); p.status != http.StatusForbidden {
			t.Errorf("%s token: %d, want 403", name, p.status)
		}
	}
	// A cookie planted by an attacker (plain HTTP, a sibling host) with a
	// token to match: enough for a double-submit check, not for one bound
	// to the session.
	planted := "ATTACKERPLANTEDTOKEN234567"
	srv, _ := url.Parse(se.srv.URL)
	b.c.Jar.SetCookies(srv, []*http.Cookie{{Name: se.s.csrfCookieName(), Value: planted, Path: "/"}})
	b.csrf = planted
	if p := b.post("/account/signout-all", nil); p.status != http.StatusForbidden {
		t.Errorf("a planted cookie with its token: %d, want 403", p.status)
	}
	b.csrf = own
	if p := b.post("/account/signout-all", nil); p.status != http.StatusSeeOther {
		t.Errorf("own token: %d, want 303", p.status)
	}
}

// TestCSRFBoundToRecipientSession: verifying starts a recipient session
// with a token of its own; the landing page's token from before is
// refused afterwards.
func TestCSRFBoundToRecipientSession(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	b := re.browser(t)
	link := re.w.Path(rc)
	b.get(link)
	before := b.csrf
	b.verifyBySMS(rc)
	b.get(link + "/read")
	if b.csrf == "" || b.csrf == before {
		t.Fatalf("the recipient session kept the landing page's token %q", before)
	}
	own := b.csrf
	b.csrf = before
	if p := b.post(link+"/close", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("the token from before the session: %d, want 403", p.status)
	}
	b.csrf = own
	if p := b.post(link+"/close", url.Values{}); p.status != http.StatusSeeOther {
		t.Errorf("own token: %d, want 303", p.status)
	}
}
