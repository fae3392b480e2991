package portal

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sluis/portal/secret"
)

func TestUnknownAddressAnswersLikeAWrongPassword(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.get("/signin")
	wrong := b.post("/signin", url.Values{"email": {"arts@zkh.example"}, "password": {"not the password"}})
	unknown := b.post("/signin", url.Values{"email": {"nobody@zkh.example"}, "password": {"not the password"}})
	if wrong.status != http.StatusUnauthorized || unknown.status != wrong.status {
		t.Fatalf("statuses %d and %d, want both 401", wrong.status, unknown.status)
	}
	nonce := regexp.MustCompile(`nonce="[^"]*"`)
	norm := func(p page) string {
		return nonce.ReplaceAllString(strings.ReplaceAll(mainOf(p.body), "nobody@zkh.example", "arts@zkh.example"), "")
	}
	if norm(wrong) != norm(unknown) {
		t.Errorf("the answers differ:\n%s\n---\n%s", norm(wrong), norm(unknown))
	}
	if cookie := findCookie(wrong.cookies, "session"); cookie != nil && cookie.Value != "" {
		t.Error("a failed sign-in set a session")
	}
}

func TestFailedSignInsAreSlowedPerAddress(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.get("/signin")
	for _, addr := range []string{"arts@zkh.example", "nobody@zkh.example"} {
		var last page
		for range 6 {
			last = b.post("/signin", url.Values{"email": {addr}, "password": {"wrong"}})
		}
		if last.status != http.StatusTooManyRequests {
			t.Errorf("%s: after 6 failures status %d, want 429", addr, last.status)
		}
	}
	// Even the right password waits out the lock; then it works.
	if p := b.post("/signin", url.Values{"email": {"arts@zkh.example"}, "password": {senderPassword}}); p.status != http.StatusTooManyRequests {
		t.Errorf("right password while locked: %d", p.status)
	}
	se.w.Clock.Advance(time.Minute)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
}

func TestSessionRotatesAndSignsOut(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.get("/signin")
	first := b.post("/signin", url.Values{"email": {"arts@zkh.example"}, "password": {senderPassword}})
	b.get("/about") // the CSRF token changed at sign-in
	second := b.post("/signin", url.Values{"email": {"arts@zkh.example"}, "password": {senderPassword}})
	c1, c2 := findCookie(first.cookies, "session"), findCookie(second.cookies, "session")
	if c1 == nil || c2 == nil || c1.Value == c2.Value {
		t.Fatal("signing in again did not give a new session id")
	}
	if p := b.get("/messages"); p.status != http.StatusOK {
		t.Fatalf("messages after sign-in: %d", p.status)
	}
	old := se.browser(t)
	old.c.Jar.SetCookies(mustURL(t, se.srv.URL), []*http.Cookie{{Name: "session", Value: c1.Value, Path: "/"}})
	if p := old.get("/messages"); p.status != http.StatusSeeOther {
		t.Errorf("the replaced session still opens pages: %d", p.status)
	}
	se.w.Clock.Advance(31 * time.Minute)
	if p := b.get("/messages"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin") {
		t.Errorf("an idle session still opens pages: %d %s", p.status, p.location)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestTOTPCodeIsNeverAcceptedTwice(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	sec, _ := b.enrolTOTP(se)
	b.signOut()
	se.w.Clock.Advance(30 * time.Second) // the enrolment used this step's code

	b.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	c := code(t, sec, se.w.Clock.Now())
	if p := b.post("/signin/code", url.Values{"code": {c}}); p.status != http.StatusSeeOther || p.location != "/messages" {
		t.Fatalf("first use of the code: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	b.signOut()

	b.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	p := b.post("/signin/code", url.Values{"code": {c}})
	mustContain(t, "replayed code", p, http.StatusUnauthorized, "was used already")
	if p := b.get("/messages"); p.status != http.StatusSeeOther {
		t.Errorf("a replayed code opened the messages: %d", p.status)
	}
	se.w.Clock.Advance(30 * time.Second)
	if p := b.post("/signin/code", url.Values{"code": {code(t, sec, se.w.Clock.Now())}}); p.location != "/messages" {
		t.Errorf("the next step's code: %d to %q", p.status, p.location)
	}
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	_, codes := b.enrolTOTP(se)
	b.signOut()

	b.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	if p := b.post("/signin/code", url.Values{"code": {strings.ToLower(codes[3])}}); p.location != "/messages" {
		t.Fatalf("recovery code: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	if p := b.get("/account"); !strings.Contains(p.body, "Recovery codes left: 9") {
		t.Errorf("the account page does not count 9 codes left:\n%s", mainOf(p.body))
	}
	b.signOut()

	b.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	p := b.post("/signin/code", url.Values{"code": {codes[3]}})
	mustContain(t, "used recovery code", p, http.StatusUnauthorized, "This code is not right")
	if p := b.get("/messages"); p.status != http.StatusSeeOther {
		t.Errorf("a used recovery code opened the messages: %d", p.status)
	}
}

func TestHalfSignedInSessionEndsAfterFiveWrongCodes(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	b.enrolTOTP(se)
	b.signOut()
	b.signIn("arts@zkh.example", senderPassword, "/signin/code?next=%2Fmessages")
	for range 5 {
		b.post("/signin/code", url.Values{"code": {"000000"}})
	}
	if p := b.post("/signin/code", url.Values{"code": {"000000"}}); p.status != http.StatusSeeOther || p.location != "/signin" {
		t.Errorf("after 5 wrong codes: %d to %q, want back to /signin", p.status, p.location)
	}
}

func TestUnitCanRequireSecondFactor(t *testing.T) {
	se := newSenderEnv(t)
	if err := se.policy.Set(t.Context(), se.w.Org.ID, se.w.Org.RootUnit, "require_second_factor", "true", "test"); err != nil {
		t.Fatal(err)
	}
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/account/totp?next=%2Fmessages")
	if p := b.get("/messages"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/account/totp") {
		t.Fatalf("before enrolment /messages: %d to %q", p.status, p.location)
	}
	b.enrolTOTP(se)
	if p := b.get("/messages"); p.status != http.StatusOK {
		t.Errorf("after enrolment /messages: %d", p.status)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	se := newSenderEnv(t)
	a, other := se.browser(t), se.browser(t)
	a.signIn("arts@zkh.example", senderPassword, "/messages")
	other.signIn("arts@zkh.example", senderPassword, "/messages")
	a.get("/account")
	p := a.post("/account/password", url.Values{"current": {senderPassword}, "new": {"short"}, "again": {"short"}})
	mustContain(t, "short password", p, http.StatusUnprocessableEntity, "at least 12")
	p = a.post("/account/password", url.Values{"current": {senderPassword}, "new": {"a much longer secret"}, "again": {"a much longer secret"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", p.status, mainOf(p.body))
	}
	if p := a.get("/messages"); p.status != http.StatusOK {
		t.Errorf("this session ended: %d", p.status)
	}
	if p := other.get("/messages"); p.status != http.StatusSeeOther {
		t.Errorf("the other session survived: %d", p.status)
	}
	u, err := se.w.Store.UserByAddress(t.Context(), "arts@zkh.example")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := secret.Verify(u.PasswordHash, "a much longer secret"); !ok {
		t.Error("the stored password (also SMTP's) did not change")
	}
}
