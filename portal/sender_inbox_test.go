package portal

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/delivery"
	"sluis/portal/verify"
)

// inboxEnv is a portal whose mail (codes, notifications) goes through a
// real loopback relay, so that tests read mailed codes as people do.
type inboxEnv struct {
	*senderEnv
	relay *testworld.Relay
}

func newInboxEnv(t *testing.T) *inboxEnv {
	t.Helper()
	w := testworld.New(t, nil, "")
	relay := testworld.StartRelay(t)
	jobs := &jobRecorder{}
	e := newEnv(t, func(o *Options) {
		worldSetup{jobs: jobs, unitPolicy: true, mail: relay.Sender("sluis@zkh.example")}.options(t, w, o)
	})
	se := &senderEnv{recipientEnv: &recipientEnv{env: e, w: w, v: e.opt.Verify, srv: httptest.NewServer(e.s.Handler())},
		auth: e.opt.Auth, policy: e.opt.Policy, jobs: jobs}
	t.Cleanup(se.srv.Close)
	se.setPassword(t, se.w.Sender)
	return &inboxEnv{senderEnv: se, relay: relay}
}

// written has a citizen prove addr and write a message with a file, through
// the citizen side's delivery calls, and returns it.
func (ie *inboxEnv) written(t *testing.T, addr, subject, text string) db.ChannelMessage {
	t.Helper()
	ctx := context.Background()
	d := ie.w.Delivery
	page, err := d.ChannelPage(ctx, "zkh.example")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := d.StartChannel(ctx, page, addr, "192.0.2.10", "en")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CheckChannelCode(ctx, page, token, ie.relay.LastCode(addr, "channel-code"), "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	m, err := d.SubmitChannel(ctx, delivery.ChannelInput{Page: page, Token: token, Name: "Jan Schrijver", Subject: subject, Text: text,
		Files: []delivery.ReplyFile{{Name: "verwijsbrief.pdf", ContentType: "application/pdf", Body: strings.NewReader("%PDF-1.4 brief")}},
		IP:    "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestInboxPagesReadAndAnswer: an admin (the inbox until one is set) sees
// the menu link, the list and the message as text, downloads the file,
// gets a wrong answer back beside the field with the text kept, answers;
// the page then says who answered and links to the sent message; the
// citizen opens the answer with a code mailed to the address they proved.
func TestInboxPagesReadAndAnswer(t *testing.T) {
	ie := newInboxEnv(t)
	cm := ie.written(t, "jan@example.org", "Vraag over <mijn> afspraak", "Beste,\n<script>x()</script> kan het later?")
	ie.addUser(t, "beheer@zkh.example", db.RoleAdmin)
	b := ie.browser(t)
	b.signIn("beheer@zkh.example", senderPassword, "/messages")

	list := b.get("/inbox?lang=en")
	mustContain(t, "inbox", list, http.StatusOK, `id="nav-inbox"`, html.EscapeString("Vraag over <mijn> afspraak"),
		"Jan Schrijver &lt;jan@example.org&gt;", "chip-sent", `href="/inbox/`+cm.UID+`"`)
	msg := b.get("/inbox/" + cm.UID + "?lang=en")
	mustContain(t, "message", msg, http.StatusOK, "&lt;script&gt;x()&lt;/script&gt; kan het later?", "verwijsbrief.pdf",
		`href="/inbox/`+cm.UID+`/files/0"`, `action="/inbox/`+cm.UID+`/answer"`, "Your answer to jan@example.org")
	mustLack(t, "message", msg, "<script>x()")
	if f := b.get("/inbox/" + cm.UID + "/files/0"); f.status != http.StatusOK || f.body != "%PDF-1.4 brief" {
		t.Fatalf("file: %d %q", f.status, f.body)
	}
	if f := b.get("/inbox/" + cm.UID + "/files/1"); f.status != http.StatusNotFound {
		t.Errorf("a file that is not there: %d", f.status)
	}
	mustContain(t, "listed as read", b.get("/inbox?lang=en"), http.StatusOK, "chip-pending", "Not answered")

	before := ie.notifications()
	typed := strings.Repeat("x", delivery.MaxReplyText+1)
	p := b.post("/inbox/"+cm.UID+"/answer?lang=en", url.Values{"text": {typed}})
	mustContain(t, "too long", p, http.StatusUnprocessableEntity, `id="answer-error"`, `aria-invalid="true"`, typed[:200])
	if ie.notifications() != before {
		t.Fatal("a rejected answer enqueued a notification")
	}
	p = b.post("/inbox/"+cm.UID+"/answer", url.Values{"text": {"Ja, dinsdag om 10 uur kan."}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/messages/") || !strings.HasSuffix(p.location, "?done=sent") {
		t.Fatalf("answer: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	if got := ie.notifications(); got != before+1 {
		t.Errorf("%d notifications for the answer, want 1", got-before)
	}
	answerUID := strings.TrimSuffix(strings.TrimPrefix(p.location, "/messages/"), "?done=sent")
	mustContain(t, "the answer's status", b.get(p.location+"&lang=en"), http.StatusOK, "Re: Vraag over &lt;mijn&gt; afspraak", "jan@example.org")
	after := b.get("/inbox/" + cm.UID + "?lang=en")
	mustContain(t, "answered", after, http.StatusOK, `id="answered"`, "answered on", `href="/messages/`+answerUID+`"`)
	mustLack(t, "answered", after, `action="/inbox/`+cm.UID+`/answer"`)
	mustContain(t, "listed as answered", b.get("/inbox?lang=en"), http.StatusOK, "chip-replied")

	// The citizen opens the answer: a code by mail to the address proved.
	_, to := ie.w.Latest(t)
	if len(to) != 1 || to[0].Method != db.MethodMail || to[0].Address != "jan@example.org" {
		t.Fatalf("the answer went to %+v", to)
	}
	reader := ie.browser(t)
	link := ie.w.Path(to[0])
	mustContain(t, "landing", reader.get(link+"?lang=en"), http.StatusOK, verify.MaskAddress("jan@example.org"), "by e-mail")
	if p := reader.post(link+"/code", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send code: %d\n%s", p.status, mainOf(p.body))
	}
	mustContain(t, "code sent", reader.get(link+"?lang=en"), http.StatusOK, "We sent a code to j●●●@example.org", `id="code"`)
	code := ie.relay.LastCode("jan@example.org", "code")
	if p := reader.post(link+"/check", url.Values{"code": {code}}); p.location != link+"/read" {
		t.Fatalf("check code: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	mustContain(t, "the answer read", reader.get(link+"/read"), http.StatusOK, "Ja, dinsdag om 10 uur kan.")
}

// TestInboxNotFoundForOthers: a user outside the inbox sees no menu link
// and gets 404 on every inbox URL, as for a message that does not exist;
// with the inbox set to their address, they are in and the admin is out.
func TestInboxNotFoundForOthers(t *testing.T) {
	ie := newInboxEnv(t)
	cm := ie.written(t, "jan@example.org", "Vraag", "Tekst")
	b := ie.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	mustLack(t, "menu", b.get("/messages"), `id="nav-inbox"`)
	for _, path := range []string{"/inbox", "/inbox/" + cm.UID, "/inbox/" + cm.UID + "/files/0", "/inbox/00000000000000000000000000000000"} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, p.status)
		}
	}
	if p := b.post("/inbox/"+cm.UID+"/answer", url.Values{"text": {"hallo"}}); p.status != http.StatusNotFound {
		t.Errorf("answer: %d", p.status)
	}
	if n := ie.notifications(); n != 0 {
		t.Errorf("%d notifications", n)
	}

	ctx := context.Background()
	err := ie.w.Store.InTx(ctx, func(tx *db.Tx) error {
		return tx.PutChannelSettings(ctx, db.ChannelSettings{OrgID: ie.w.Org.ID, Enabled: true, Inbox: "arts@zkh.example", UpdatedAt: ie.w.Clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "now in the inbox", b.get("/inbox"), http.StatusOK, `id="nav-inbox"`, `href="/inbox/`+cm.UID+`"`)
	ie.addUser(t, "beheer@zkh.example", db.RoleAdmin)
	admin := ie.browser(t)
	admin.signIn("beheer@zkh.example", senderPassword, "/messages")
	if p := admin.get("/inbox/" + cm.UID); p.status != http.StatusNotFound {
		t.Errorf("the admin, with the inbox set to another address: %d", p.status)
	}
}
