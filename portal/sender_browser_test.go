package portal

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/auth"
	"sluis/portal/delivery"
	"sluis/portal/jobs"
	"sluis/portal/policy"
)

// senderSite is the whole senders' side served the way a browser meets
// it: on http://localhost:PORT (WebAuthn refuses IP addresses), with a
// real job queue whose workers mail through a real SMTP relay.
type senderSite struct {
	w      *testworld.World
	base   string
	auth   *auth.Service
	policy *policy.Service
	relay  *mailRelay
}

// lateQueue lets delivery be built before the job client that runs its
// workers, as cmd/sluis does.
type lateQueue struct{ c *jobs.Client }

func (l *lateQueue) InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if l.c == nil {
		return errors.New("job queue not built yet")
	}
	return l.c.InsertTx(ctx, tx, args, opts)
}

func newSenderSite(t *testing.T) *senderSite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	site := &senderSite{base: "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), relay: startMailRelay(t)}
	w := testworld.New(t, nil, site.base)
	quiet := slog.New(slog.DiscardHandler)
	queue := &lateQueue{}
	opt := Options{Logger: quiet, BaseURL: site.base}
	worldSetup{jobs: queue, mail: site.relay.sender("sluis@zkh.example"), unitPolicy: true, baseURL: site.base}.options(t, w, &opt)
	site.w, site.policy, site.auth = w, opt.Policy, opt.Auth
	site.startJobs(t, queue, quiet)
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	site.setPassword(t, w.Sender)
	return site
}

// startJobs runs delivery's workers on a River client over the test's
// own database until the test ends.
func (site *senderSite) startJobs(t *testing.T, queue *lateQueue, log *slog.Logger) {
	t.Helper()
	workers := river.NewWorkers()
	if err := site.w.Delivery.AddWorkers(workers); err != nil {
		t.Fatal(err)
	}
	c, err := jobs.New(site.w.Store, jobs.Options{Workers: workers, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	queue.c = c
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stopping the job queue: %v", err)
		}
	})
}

func (site *senderSite) setPassword(t *testing.T, u db.User) {
	t.Helper()
	(&senderEnv{recipientEnv: &recipientEnv{w: site.w}}).setPassword(t, u)
}

// addUser adds a sender of the organisation with the test password.
func (site *senderSite) addUser(t *testing.T, email string) db.User {
	t.Helper()
	u, err := site.w.Store.CreateUser(context.Background(), db.NewUser{OrgID: site.w.Org.ID, Email: email, Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	site.setPassword(t, u)
	return u
}

// heldDraft submits the report to addr (no data anywhere) and to a
// colleague whose number the organisation's book has: held.
func (site *senderSite) heldDraft(t *testing.T, addr string) (db.Message, db.Recipient) {
	t.Helper()
	site.w.AddPhone(t, "collega@partner.example", "+31612345679")
	raw := readFile(t, "testdata/recipient/report.eml")
	m, rs := site.w.Submit(t, raw, addr, "collega@partner.example")
	if m.State != db.StateHeld || rs[0].Problem == "" {
		t.Fatalf("the draft is %s, %s's problem %q", m.State, addr, rs[0].Problem)
	}
	return m, rs[0]
}

// current selects the header's menu entry of the page being shown.
func current(path string) string { return `nav a[aria-current="page"][href="` + path + `"]` }

// signIn types the address and password on the sign-in page shown and
// waits for the element that the next page shows. It first waits for the
// sign-in form to be gone: an element the sign-in page has too (its h1)
// would otherwise be found before the browser left it, and the next step
// would run in, or cut off, the navigation still under way.
func (w *walk) signIn(email, next string) {
	w.t.Helper()
	w.run("sign in as "+email, chromedp.WaitVisible(css("#password")),
		chromedp.SendKeys(css("#email"), email), chromedp.SendKeys(css("#password"), senderPassword),
		chromedp.Submit(css("#password")), chromedp.WaitNotPresent(css(`form[action="/signin"]`)),
		chromedp.WaitVisible(css(next)))
}

// signOut presses the header's sign-out button.
func (w *walk) signOut() {
	w.t.Helper()
	w.run("sign out", chromedp.Click(css("form.signout button")), chromedp.WaitVisible(css("#password")))
}

func (w *walk) location() string {
	w.t.Helper()
	loc, err := chromedp.Run(w.ctx, chromedp.Location())
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, w.base)
}

func TestBrowserSenderWayThrough(t *testing.T) {
	ctx := browserContext(t)
	site := newSenderSite(t)
	w := &walk{t: t, ctx: ctx, base: site.base, axe: axeSource(t), seen: map[string]bool{}}

	t.Run("totp", func(t *testing.T) { w.t = t; w.totp(site) })
	t.Run("passkey", func(t *testing.T) { w.t = t; w.passkey(site) })
	t.Run("held draft", func(t *testing.T) { w.t = t; w.finishDraft(site) })
	t.Run("web sending off", func(t *testing.T) { w.t = t; w.readOnlyDraft(site) })
	for _, page := range []string{"sign-in", "account", "totp enrolment", "recovery codes", "second step", "messages",
		"draft", "draft error", "message status", "reply", "read-only draft"} {
		if !w.seen[page] {
			t.Errorf("the walk never checked the %s page", page)
		}
	}
}

// totp enrols an authenticator app and signs in with password and code.
func (w *walk) totp(site *senderSite) {
	t := w.t
	site.addUser(t, "totp@zkh.example")
	w.run("sign-in page", chromedp.Navigate(w.base+"/signin"), chromedp.WaitVisible(css("#email")))
	w.checkA11y("sign-in")
	w.signIn("totp@zkh.example", current("/messages"))
	w.checkA11y("messages")
	w.run("account", chromedp.Click(css(`a[href="/account"]`)), chromedp.WaitVisible(css(current("/account"))))
	w.checkA11y("account")
	w.run("set up", chromedp.Click(css(`a[href="/account/totp"]`)), chromedp.WaitVisible(css("#totp-secret")))
	w.checkA11y("totp enrolment")
	secret := w.text("#totp-secret")
	first := code(t, secret, site.w.Clock.Now())
	w.run("confirm", chromedp.SendKeys(css("#code"), first), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css("#recovery-codes")))
	if n := len(strings.Fields(w.text("#recovery-codes"))); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}
	w.checkA11y("recovery codes")
	w.run("saved them", chromedp.Click(css("main a.button")), chromedp.WaitVisible(css(current("/messages"))))
	w.signOut()

	site.w.Clock.Advance(30 * time.Second) // the enrolment used this step's code
	second := code(t, secret, site.w.Clock.Now())
	if second == first {
		t.Fatalf("two time steps gave the same code %s", first)
	}
	w.signIn("totp@zkh.example", "#code")
	w.checkA11y("second step")
	w.run("second step", chromedp.SendKeys(css("#code"), second), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css(current("/messages"))))
	w.run("account", chromedp.Navigate(w.base+"/account"), chromedp.WaitVisible(css(current("/account"))))
	if main := w.text("main"); !strings.Contains(main, "Recovery codes left: 10") {
		t.Errorf("the account page after enrolment: %q", main)
	}
	w.signOut()
}

// passkey registers a passkey with Chrome's virtual authenticator and
// signs in with it alone.
func (w *walk) passkey(site *senderSite) {
	t := w.t
	u := site.addUser(t, "passkey@zkh.example")
	if _, err := chromedp.Call(w.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enabling WebAuthn: %v", err)
	}
	va, err := chromedp.Call(w.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatalf("adding a virtual authenticator: %v", err)
	}
	w.run("sign-in page", chromedp.Navigate(w.base+"/signin"), chromedp.WaitVisible(css("#email")))
	w.signIn(u.Email, current("/messages"))
	w.run("add a passkey", chromedp.Navigate(w.base+"/account"), chromedp.WaitVisible(css("#passkey-register")),
		chromedp.SendKeys(css("#passkey-name"), "Laptop"), chromedp.Click(css("#passkey-register")),
		chromedp.WaitVisible(css(".passkeys .passkey-name")))
	if name, notice := w.text(".passkey-name"), w.text(".flash-info"); name != "Laptop" || !strings.Contains(notice, "passkey was added") {
		t.Errorf("after adding: name %q, notice %q", name, notice)
	}
	creds, err := chromedp.Call(w.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams(va))
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %+v (%v), want one discoverable credential", creds.Credentials, err)
	}
	w.signOut()

	// Signed out, the account page leads to sign-in and, after the passkey, back.
	w.run("sign in with a passkey", chromedp.Navigate(w.base+"/account"), chromedp.WaitVisible(css("#passkey-signin")),
		chromedp.Click(css("#passkey-signin")), chromedp.WaitVisible(css(".passkey-name")))
	if loc := w.location(); loc != "/account" {
		t.Errorf("the passkey sign-in led to %s, want /account", loc)
	}
	keys, err := site.auth.Passkeys(context.Background(), u)
	if err != nil || len(keys) != 1 || keys[0].Name != "Laptop" || w.text(".passkey-name") != "Laptop" {
		t.Errorf("signed in as someone else, or the passkey changed: %+v, %v", keys, err)
	}
	w.signOut()
}

// finishDraft opens a held draft from its link, types a number, sends,
// and follows the notification to the relay and the status to the page.
func (w *walk) finishDraft(site *senderSite) {
	t := w.t
	m, patient := site.heldDraft(t, "patient@example.com")
	site.relay.waitFor(t, "arts@zkh.example", "held", 30*time.Second) // "your email was not sent"
	id := strconv.FormatInt(patient.ID, 10)
	w.run("draft link", chromedp.Navigate(site.w.Delivery.DraftURL(m.UID)), chromedp.WaitVisible(css("#email")))
	w.signIn("arts@zkh.example", "#phone-"+id)
	if loc := w.location(); loc != "/drafts/"+m.UID {
		t.Errorf("after sign-in the draft link led to %s", loc)
	}
	w.checkA11y("draft")
	w.run("a landline", chromedp.SendKeys(css("#phone-"+id), "020 123 4567"), chromedp.Click(css("#send")),
		chromedp.WaitVisible(css("#phone-"+id+"-error")))
	w.checkA11y("draft error")
	w.run("a mobile number", chromedp.Clear(css("#phone-"+id)), chromedp.SendKeys(css("#phone-"+id), "06 12345678"),
		chromedp.Click(css("#send")), chromedp.WaitVisible(css(".flash-info")))
	if loc := w.location(); loc != "/messages/"+m.UID+"?done=sent" {
		t.Errorf("after sending: %s", loc)
	}
	if row := w.text("#recipient-" + id); !strings.Contains(row, "patient@example.com") {
		t.Errorf("the status page lacks the recipient: %q", row)
	}
	mail := site.relay.waitFor(t, "patient@example.com", "notification", 30*time.Second)
	if !strings.Contains(mail.Data, site.base+"/m/") || strings.Contains(mail.Data, "Uitslag") {
		t.Errorf("the notification lacks the link or leaks the subject:\n%s", mail.Data)
	}
	site.relay.waitFor(t, "collega@partner.example", "notification", 30*time.Second)
	w.waitStatus(site, patient, db.StatusNotified)
	w.run("status", chromedp.Reload(), chromedp.WaitVisible(css("#recipient-"+id)))
	if status := w.text("#recipient-" + id + " .status"); !strings.Contains(status, "notified") {
		t.Errorf("status after the notification went out: %q", status)
	}
	w.checkA11y("message status")
	w.answer(site, patient)
}

// answer has the patient reply, and the sender answer from the reply page.
func (w *walk) answer(site *senderSite, patient db.Recipient) {
	t := w.t
	rc, err := site.w.Store.Recipient(context.Background(), patient.OrgID, patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := site.w.Delivery.Reply(context.Background(), delivery.ReplyInput{Recipient: rc, Text: "Dank u."})
	if err != nil {
		t.Fatal(err)
	}
	w.run("reply", chromedp.Navigate(w.base+"/replies/"+r.UID), chromedp.WaitVisible(css("#answer")))
	w.checkA11y("reply")
	w.run("answer", chromedp.SendKeys(css("#answer"), "Graag gedaan."), chromedp.Click(css("#send-answer")),
		chromedp.WaitVisible(css(".flash-info")))
	if h := w.text("h1"); h != "Re: Uitslag onderzoek" {
		t.Errorf("after answering: %q", h)
	}
	site.relay.waitCount(t, "patient@example.com", "notification", 2, 30*time.Second) // the message's and the answer's
}

// waitStatus waits until the job that mailed rc has recorded it.
func (w *walk) waitStatus(site *senderSite, rc db.Recipient, want string) {
	w.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		got, err := site.w.Store.Recipient(context.Background(), rc.OrgID, rc.ID)
		if err != nil {
			w.t.Fatal(err)
		}
		if got.Status == want {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			w.t.Fatalf("recipient %s is %s, want %s", rc.Address, got.Status, want)
		}
	}
}

// readOnlyDraft shows a draft while the unit forbids sending from the web.
func (w *walk) readOnlyDraft(site *senderSite) {
	t := w.t
	if err := site.policy.Set(context.Background(), site.w.Org.ID, site.w.Org.RootUnit, "web_sending", "false", "test"); err != nil {
		t.Fatal(err)
	}
	m, _ := site.heldDraft(t, "nieuw@example.com")
	w.run("read-only draft", chromedp.Navigate(w.base+"/drafts/"+m.UID), chromedp.WaitVisible(css("#web-sending-off")))
	if text := w.text("#web-sending-off"); !strings.Contains(text, "Sending from the web app is off") {
		t.Errorf("the notice: %q", text)
	}
	want := "<!--zivver_headers\nzivver-access-right: nieuw@example.com sms +31XXXXXXXXX\nzivver_headers-->"
	if block := w.text("#control-block"); block != want {
		t.Errorf("control block %q, want %q", block, want)
	}
	if n := eval[int](w, "counting forms", `document.querySelectorAll('main form[action^="/drafts/"], #send').length`); n != 0 {
		t.Errorf("the read-only page has %d send controls", n)
	}
	w.checkA11y("read-only draft")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
