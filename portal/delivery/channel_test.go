package delivery

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/mailer"
	"sluis/portal/secret"
)

// mailbox is a mailer.Sender that keeps what it was given and fails while
// down is set, for the unit tests of the limits; the portal's page tests
// mail the code through a real SMTP relay on loopback.
type mailbox struct {
	mu     sync.Mutex
	down   error
	reject string // an address the relay refuses for good
	sent   []*mailer.Message
}

func (m *mailbox) Send(_ context.Context, msg *mailer.Message) (mailer.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return mailer.Result{}, m.down
	}
	if msg.To[0].Addr == m.reject {
		return mailer.Result{}, &mailer.PermanentError{Stage: mailer.StageRcpt, Code: 550, Err: errors.New("550 5.1.1 no such mailbox")}
	}
	m.sent = append(m.sent, msg)
	return mailer.Result{Reply: "250 ok"}, nil
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// lastCode is the code of the latest mail to addr.
func (m *mailbox) lastCode(t *testing.T, addr string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.sent) - 1; i >= 0; i-- {
		if m.sent[i].To[0].Addr == addr {
			return sixDigits.FindString(m.sent[i].Text)
		}
	}
	t.Fatalf("no code mailed to %s", addr)
	return ""
}

// channelFixture is a fixture with a fake clock, a mailbox and the
// organisation's page.
type channelFixture struct {
	*fixture
	now  *time.Time
	box  *mailbox
	page ChannelPage
}

func newChannelFixture(t *testing.T, lim ChannelLimits) *channelFixture {
	t.Helper()
	f := newFixture(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	box := &mailbox{}
	f.svc.opt.Now = func() time.Time { return now }
	f.svc.opt.Mailer = box
	f.svc.opt.ChannelLimits = lim
	page, err := f.svc.ChannelPage(ctx, "zkh.nl")
	if err != nil {
		t.Fatal(err)
	}
	return &channelFixture{fixture: f, now: &now, box: box, page: page}
}

func (f *channelFixture) advance(d time.Duration) { *f.now = f.now.Add(d) }

// verified starts and proves addr from ip and returns the token.
func (f *channelFixture) verified(t *testing.T, addr, ip string) string {
	t.Helper()
	token, _, err := f.svc.StartChannel(ctx, f.page, addr, ip, "nl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckChannelCode(ctx, f.page, token, f.box.lastCode(t, addr), ip); err != nil {
		t.Fatal(err)
	}
	return token
}

func (f *channelFixture) audits(t *testing.T, kind string) []db.AuditEvent {
	t.Helper()
	evs, err := f.store.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: kind, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestChannelPageNotFound: an unknown domain, a malformed one and a page
// turned off are all db.ErrNotFound.
func TestChannelPageNotFound(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	for _, d := range []string{"unknown.example", "not a domain", ""} {
		if _, err := f.svc.ChannelPage(ctx, d); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("ChannelPage(%q): %v, want ErrNotFound", d, err)
		}
	}
	admin := f.admin(t)
	if _, err := f.svc.PutChannelSettings(ctx, ChannelSettingsInput{Admin: admin, Enabled: false}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ChannelPage(ctx, "zkh.nl"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a page turned off: %v, want ErrNotFound", err)
	}
}

func (f *channelFixture) admin(t *testing.T) db.User {
	t.Helper()
	u, err := f.store.CreateUser(ctx, db.NewUser{OrgID: f.org.ID, Email: "beheer@zkh.nl", Role: db.RoleAdmin, DisplayName: "Beheer"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestChannelCodeMail: the code goes out at once, in the writer's
// language, six digits, never stored in clear; a malformed address is
// refused before anything is stored.
func TestChannelCodeMail(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	if _, _, err := f.svc.StartChannel(ctx, f.page, "not an address", "192.0.2.1", "nl"); !errors.Is(err, ErrChannelAddress) {
		t.Fatalf("a malformed address: %v", err)
	}
	token, st, err := f.svc.StartChannel(ctx, f.page, "Burger@Example.COM", "192.0.2.1", "fr")
	if err != nil || len(token) < 43 || !st.CodeLive || st.TriesLeft != 5 || st.Address != "Burger@example.com" {
		t.Fatalf("start: %q %+v %v", token, st, err)
	}
	m := f.box.sent[0]
	code := f.box.lastCode(t, "Burger@example.com")
	if m.Lang != "fr" || code == "" || m.Headers["X-Sluis-Kind"] != "channel-code" || !strings.Contains(m.HTML, code) {
		t.Errorf("code mail: lang %s, code %q, %+v", m.Lang, code, m.Headers)
	}
	var stored string
	if err := f.store.DB().QueryRowContext(ctx, `SELECT code_hash FROM channel_challenges`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == "" || strings.Contains(stored, code) {
		t.Errorf("the code is stored in clear or not at all: %q", stored)
	}
	ev := f.audits(t, "channel.code")
	if len(ev) != 1 || ev[0].Detail != "mailed" || strings.Contains(ev[0].Detail+ev[0].Target, code) {
		t.Errorf("audit: %+v", ev)
	}
}

// TestChannelNoEnumeration: a user's address, a group's, an unknown one
// and one the relay refuses get the same answer.
func TestChannelNoEnumeration(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	f.box.reject = "geen-postbus@zkh.nl"
	if _, err := f.store.CreateGroup(ctx, f.org.ID, "team@zkh.nl", "Team"); err != nil {
		t.Fatal(err)
	}
	var first ChannelStatus
	for i, addr := range []string{"arts@zkh.nl", "team@zkh.nl", "niemand@example.com", "geen-postbus@zkh.nl"} {
		_, st, err := f.svc.StartChannel(ctx, f.page, addr, "192.0.2.1", "nl")
		st.Address = ""
		if i == 0 {
			first = st
		}
		if err != nil || st != first {
			t.Errorf("%s: %+v, %v; want %+v, nil", addr, st, err, first)
		}
	}
	evs := f.audits(t, "channel.code")
	if len(evs) != 4 || evs[0].Detail != "refused: the relay refused the address" || evs[0].Outcome != db.OutcomeFailed {
		t.Errorf("the refused address's event: %+v", evs)
	}
}

// TestChannelResendLimits: a new code after the cooldown only, five an
// hour per address, twenty an hour per network, and the organisation's
// daily cap; a relay failure costs nothing.
func TestChannelResendLimits(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{CodesDaily: 30})
	token, _, err := f.svc.StartChannel(ctx, f.page, "a@example.com", "192.0.2.1", "nl")
	if err != nil {
		t.Fatal(err)
	}
	f.advance(59 * time.Second)
	st, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl")
	if !errors.Is(err, ErrChannelTooSoon) || st.NextSendIn != time.Second {
		t.Errorf("a code after 59 s: %+v, %v", st, err)
	}
	f.box.down = &mailer.TemporaryError{Stage: mailer.StageConnect, Err: errors.New("connection refused")}
	f.advance(time.Second)
	if _, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl"); !errors.Is(err, ErrChannelSendFailed) {
		t.Errorf("the relay down: %v", err)
	}
	f.box.down = nil
	for i := 2; i <= 5; i++ { // the failed mail did not count
		if _, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl"); err != nil {
			t.Fatalf("code %d: %v", i, err)
		}
		f.advance(time.Minute)
	}
	if _, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl"); !errors.Is(err, ErrChannelHourly) {
		t.Errorf("a sixth code within the hour: %v", err)
	}
	// Another browser for the same address is held by the same limit.
	if _, _, err := f.svc.StartChannel(ctx, f.page, "a@example.com", "198.51.100.7", "nl"); !errors.Is(err, ErrChannelHourly) {
		t.Errorf("a sixth code from another start: %v", err)
	}
	// The network asked 5 codes, plus the refused one; 15 more
	// addresses make 20, the 21st is refused.
	for i := range 15 {
		if _, _, err := f.svc.StartChannel(ctx, f.page, string(rune('b'+i))+"@example.com", "192.0.2.99", "nl"); err != nil {
			t.Fatalf("address %d from the network: %v", i, err)
		}
	}
	if _, _, err := f.svc.StartChannel(ctx, f.page, "z@example.com", "192.0.2.200", "nl"); !errors.Is(err, ErrChannelNetwork) {
		t.Errorf("a 21st code from the network: %v", err)
	}
	// 20 codes were mailed today; another network's 10 more reach the cap of 30.
	for i := range 10 {
		if _, _, err := f.svc.StartChannel(ctx, f.page, string(rune('b'+i))+"@example.org", "203.0.113.5", "nl"); err != nil {
			t.Fatalf("address %d from another network: %v", i, err)
		}
	}
	if _, _, err := f.svc.StartChannel(ctx, f.page, "y@example.net", "2001:db8::1", "nl"); !errors.Is(err, ErrChannelDaily) {
		t.Errorf("over the daily cap: %v", err)
	}
	f.advance(time.Hour)
	if _, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl"); !errors.Is(err, ErrChannelSession) {
		t.Errorf("a challenge past its start time: %v", err)
	}
	denied := 0
	for _, ev := range f.audits(t, "channel.code") {
		if ev.Outcome == db.OutcomeDenied {
			denied++
		}
	}
	if denied != 5 {
		t.Errorf("%d refusals audited, want 5", denied)
	}
}

// TestChannelCodeCheck: wrong entries count down and the fifth voids the
// code; a code is valid 10 minutes and used once; a verified writer's
// session lasts 60 minutes; a malformed entry counts nothing.
func TestChannelCodeCheck(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	token, _, err := f.svc.StartChannel(ctx, f.page, "a@example.com", "192.0.2.1", "nl")
	if err != nil {
		t.Fatal(err)
	}
	code := f.box.lastCode(t, "a@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if st, err := f.svc.CheckChannelCode(ctx, f.page, token, "12a", "192.0.2.1"); !errors.Is(err, ErrChannelMalformed) || st.TriesLeft != 5 {
		t.Errorf("malformed: %+v, %v", st, err)
	}
	for i := 1; i <= 4; i++ {
		st, err := f.svc.CheckChannelCode(ctx, f.page, token, wrong, "192.0.2.1")
		if !errors.Is(err, ErrChannelWrongCode) || st.TriesLeft != 5-i {
			t.Fatalf("wrong entry %d: %+v, %v", i, st, err)
		}
	}
	if _, err := f.svc.CheckChannelCode(ctx, f.page, token, wrong, "192.0.2.1"); !errors.Is(err, ErrChannelCodeVoid) {
		t.Errorf("the fifth wrong entry: %v", err)
	}
	if _, err := f.svc.CheckChannelCode(ctx, f.page, token, code, "192.0.2.1"); !errors.Is(err, ErrChannelCodeVoid) {
		t.Errorf("the right code after five wrong entries: %v", err)
	}
	if _, err := f.svc.ChannelWriter(ctx, f.page, token); !errors.Is(err, ErrChannelSession) {
		t.Errorf("an unverified writer has a session: %v", err)
	}
	// A new code (after the cooldown) expires after 10 minutes.
	f.advance(time.Minute)
	if _, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl"); err != nil {
		t.Fatal(err)
	}
	code = f.box.lastCode(t, "a@example.com")
	f.advance(10 * time.Minute)
	if _, err := f.svc.CheckChannelCode(ctx, f.page, token, code, "192.0.2.1"); !errors.Is(err, ErrChannelNoCode) {
		t.Errorf("a code after 10 minutes: %v", err)
	}
	if _, err := f.svc.ResendChannelCode(ctx, f.page, token, "192.0.2.1", "nl"); err != nil {
		t.Fatal(err)
	}
	code = f.box.lastCode(t, "a@example.com")
	f.advance(9*time.Minute + 59*time.Second)
	st, err := f.svc.CheckChannelCode(ctx, f.page, token, code, "192.0.2.1")
	if err != nil || !st.Verified {
		t.Fatalf("the right code within 10 minutes: %+v, %v", st, err)
	}
	other := f.verified(t, "b@example.com", "192.0.2.2")
	if _, err := f.svc.CheckChannelCode(ctx, f.page, other, code, "192.0.2.1"); err != nil {
		t.Errorf("a verified writer checking again: %v", err)
	}
	if w, err := f.svc.ChannelWriter(ctx, f.page, token); err != nil || w.Address != "a@example.com" {
		t.Fatalf("session: %+v, %v", w, err)
	}
	f.advance(59 * time.Minute)
	if _, err := f.svc.ChannelWriter(ctx, f.page, token); err != nil {
		t.Errorf("the session after 59 minutes: %v", err)
	}
	f.advance(time.Minute)
	if _, err := f.svc.ChannelWriter(ctx, f.page, token); !errors.Is(err, ErrChannelSession) {
		t.Errorf("the session after 60 minutes: %v", err)
	}
	var right, wrongs, void int
	for _, ev := range f.audits(t, "channel.verify") {
		switch ev.Detail {
		case "right":
			right++
		case "wrong":
			wrongs++
		case "wrong; the code is void":
			void++
		}
	}
	if right != 2 || wrongs != 4 || void != 1 {
		t.Errorf("audited right %d, wrong %d, void %d; want 2, 4, 1", right, wrongs, void)
	}
}

// TestChannelOtherOrgToken: a writer's token opens nothing on another
// organisation's page.
func TestChannelOtherOrgToken(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	if _, err := f.store.CreateOrg(ctx, db.NewOrg{Name: "Gemeente", Domains: []string{"gemeente.nl"}}); err != nil {
		t.Fatal(err)
	}
	other, err := f.svc.ChannelPage(ctx, "gemeente.nl")
	if err != nil {
		t.Fatal(err)
	}
	token := f.verified(t, "a@example.com", "192.0.2.1")
	if _, err := f.svc.ChannelWriter(ctx, other, token); !errors.Is(err, ErrChannelSession) {
		t.Errorf("another organisation's writer: %v", err)
	}
	if _, err := f.svc.SubmitChannel(ctx, ChannelInput{Page: other, Token: token, Subject: "s", Text: "t"}); !errors.Is(err, ErrChannelSession) {
		t.Errorf("a message with another organisation's token: %v", err)
	}
}

// TestChannelSubmit: the checks of a message, its encrypted storage, its
// audit event and the inbox's job.
func TestChannelSubmit(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	token := f.verified(t, "a@example.com", "192.0.2.1")
	in := ChannelInput{Page: f.page, Token: token, IP: "192.0.2.1"}
	for _, c := range []struct {
		name                  string
		subject, text, writer string
		files                 int
		want                  error
	}{
		{"no subject", " ", "t", "", 0, ErrChannelSubject},
		{"long subject", strings.Repeat("é", MaxChannelSubject+1), "t", "", 0, ErrChannelSubjectLong},
		{"long name", "s", "t", strings.Repeat("n", MaxChannelName+1), 0, ErrChannelNameLong},
		{"no text", "s", "\n ", "", 0, ErrChannelText},
		{"long text", "s", strings.Repeat("x", MaxReplyText+1), "", 0, ErrReplyTooLong},
		{"too many files", "s", "t", "", MaxReplyFiles + 1, ErrReplyFiles},
	} {
		x := in
		x.Subject, x.Text, x.Name = c.subject, c.text, c.writer
		for range c.files {
			x.Files = append(x.Files, ReplyFile{Name: "f.txt", Body: strings.NewReader("x")})
		}
		if _, err := f.svc.SubmitChannel(ctx, x); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	in.Subject, in.Text, in.Name = strings.Repeat("é", MaxChannelSubject), "Mijn vraag over de uitslag", "Piet"
	in.Files = []ReplyFile{{Name: `C:\tmp\scan.pdf`, ContentType: "application/pdf", Body: strings.NewReader("%PDF-1.4")}}
	m, err := f.svc.SubmitChannel(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.store.ChannelMessageByUID(ctx, f.org.ID, m.UID)
	if err != nil || got.Address != "a@example.com" || got.Network != "192.0.2.0/24" || got.Size != int64(len(in.Text)+8) ||
		!got.ExpiresAt.Equal(f.now.Add(30*24*time.Hour)) {
		t.Fatalf("stored: %+v, %v", got, err)
	}
	if strings.Contains(string(got.Subject), "é") || strings.Contains(string(got.Name), "Piet") {
		t.Error("the subject or the name is stored in clear")
	}
	subject, _ := f.svc.ChannelSubject(got)
	name, _ := f.svc.ChannelName(got)
	text, _ := f.svc.ChannelText(ctx, got)
	files, _ := f.store.ChannelAttachments(ctx, f.org.ID, got.ID)
	if subject != in.Subject || name != "Piet" || text != in.Text || len(files) != 1 {
		t.Fatalf("read back: %q %q %q %d files", subject, name, text, len(files))
	}
	if fn, _ := f.svc.ChannelFileName(got, files[0]); fn != "scan.pdf" || files[0].ContentType != "application/pdf" {
		t.Errorf("file: %q %+v", fn, files[0])
	}
	forged := got
	forged.UID = "another"
	if _, err := f.svc.ChannelSubject(forged); err == nil {
		t.Error("a sealed subject opened under another message's uid")
	}
	if n := len(f.jobs.jobs); n != 1 || f.jobs.jobs[0] != (NotifyChannelArgs{OrgID: f.org.ID, ChannelMessageID: got.ID}) {
		t.Errorf("jobs: %+v", f.jobs.jobs)
	}
	ev := f.audits(t, "channel.message")
	if len(ev) != 1 || ev[0].Target != "channel:"+m.UID+" a@example.com" || strings.Contains(ev[0].Detail, "uitslag") {
		t.Errorf("audit: %+v", ev)
	}
}

// TestChannelMessageLimits: five messages an hour per address, twenty per
// network; the window passes.
func TestChannelMessageLimits(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{PerNetwork: 7})
	send := func(token, ip string) error {
		_, err := f.svc.SubmitChannel(ctx, ChannelInput{Page: f.page, Token: token, Subject: "s", Text: "t", IP: ip})
		return err
	}
	a := f.verified(t, "a@example.com", "192.0.2.1")
	for i := range 5 {
		if err := send(a, "192.0.2.1"); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		f.advance(time.Minute)
	}
	if err := send(a, "192.0.2.1"); !errors.Is(err, ErrChannelLimit) {
		t.Errorf("a sixth message of the address: %v", err)
	}
	b := f.verified(t, "b@example.com", "192.0.2.2")
	for i := range 2 {
		if err := send(b, "192.0.2.2"); err != nil {
			t.Fatalf("message %d of b: %v", i+1, err)
		}
	}
	if err := send(b, "192.0.2.3"); !errors.Is(err, ErrChannelLimit) {
		t.Errorf("an eighth message of the network: %v", err)
	}
	if err := send(b, "198.51.100.1"); err != nil {
		t.Errorf("from another network: %v", err)
	}
	f.advance(56 * time.Minute) // the first two messages are an hour old
	a = f.verified(t, "a@example.com", "203.0.113.1")
	if err := send(a, "203.0.113.1"); err != nil {
		t.Errorf("once the first message left the window: %v", err)
	}
	if n := len(f.audits(t, "channel.message")); n != 11 {
		t.Errorf("%d channel.message events, want 9 received and 2 refused", n)
	}
}

// TestChannelInboxMail: the inbox's mail goes to the inbox address or,
// unset, to the enabled admins; it names the writer's address and links
// to the inbox, never the subject or text.
func TestChannelInboxMail(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	admin := f.admin(t)
	token := f.verified(t, "a@example.com", "192.0.2.1")
	m, err := f.svc.SubmitChannel(ctx, ChannelInput{Page: f.page, Token: token, Subject: "Geheim onderwerp", Text: "Geheime tekst"})
	if err != nil {
		t.Fatal(err)
	}
	args := NotifyChannelArgs{OrgID: f.org.ID, ChannelMessageID: m.ID}
	mail, err := f.svc.channelMail(ctx, args)
	if err != nil {
		t.Fatal(err)
	}
	if len(mail.To) != 1 || mail.To[0].Addr != admin.Email {
		t.Errorf("to %+v, want the one admin", mail.To)
	}
	for _, body := range []string{mail.Subject, mail.Text, mail.HTML} {
		if strings.Contains(body, "Geheim") {
			t.Errorf("the mail shows the message: %s", body)
		}
	}
	if !strings.Contains(mail.Text, "a@example.com") || !strings.Contains(mail.Text, "https://sluis.zkh.nl/inbox/"+m.UID) {
		t.Errorf("the mail lacks the address or the link:\n%s", mail.Text)
	}
	if _, err := f.svc.PutChannelSettings(ctx, ChannelSettingsInput{Admin: admin, Enabled: true, Inbox: "arts@zkh.nl"}); err != nil {
		t.Fatal(err)
	}
	if mail, err = f.svc.channelMail(ctx, args); err != nil || len(mail.To) != 1 || mail.To[0].Addr != "arts@zkh.nl" {
		t.Errorf("to the inbox: %+v, %v", mail, err)
	}
}

// TestChannelSettingsChecks: the inbox must be the organisation's; an
// intro has at most 2,000 characters; one audit event per change.
func TestChannelSettingsChecks(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	admin := f.admin(t)
	other, err := f.store.CreateOrg(ctx, db.NewOrg{Name: "Gemeente", Domains: []string{"gemeente.nl"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateUser(ctx, db.NewUser{OrgID: other.ID, Email: "balie@gemeente.nl", Role: db.RoleSender}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateGroup(ctx, f.org.ID, "secretariaat@zkh.nl", "Secretariaat"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.AddAlias(ctx, f.org.ID, f.sender.ID, "poli@zkh.nl"); err != nil {
		t.Fatal(err)
	}
	put := func(inbox string, intro map[string]string) error {
		_, err := f.svc.PutChannelSettings(ctx, ChannelSettingsInput{Admin: admin, Enabled: true, Inbox: inbox, Intro: intro})
		return err
	}
	for _, bad := range []string{"balie@gemeente.nl", "nobody@zkh.nl", "not an address"} {
		if err := put(bad, nil); !errors.Is(err, ErrChannelInbox) {
			t.Errorf("inbox %q: %v", bad, err)
		}
	}
	for _, good := range []string{"", "arts@zkh.nl", "poli@zkh.nl", "secretariaat@zkh.nl"} {
		if err := put(good, nil); err != nil {
			t.Errorf("inbox %q: %v", good, err)
		}
	}
	var ie *ChannelIntroError
	if err := put("", map[string]string{"fr": strings.Repeat("é", MaxChannelIntro+1)}); !errors.As(err, &ie) || ie.Lang != "fr" {
		t.Errorf("a long French intro: %v", err)
	}
	if err := put("", map[string]string{"nl": strings.Repeat("é", MaxChannelIntro) + "\r\n"}); err != nil {
		t.Errorf("an intro of 2,000 characters: %v", err)
	}
	if n := len(f.audits(t, "channel.settings")); n != 5 {
		t.Errorf("%d channel.settings events, want 5", n)
	}
}

// TestChannelPurge: a channel message outlives its retention by no sweep:
// the rows and the blobs go.
func TestChannelPurge(t *testing.T) {
	f := newChannelFixture(t, ChannelLimits{})
	token := f.verified(t, "a@example.com", "192.0.2.1")
	m, err := f.svc.SubmitChannel(ctx, ChannelInput{Page: f.page, Token: token, Subject: "s", Text: "t",
		Files: []ReplyFile{{Name: "a.txt", Body: strings.NewReader("file")}}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := f.store.ChannelAttachments(ctx, f.org.ID, m.ID)
	f.advance(30*24*time.Hour - time.Second)
	if err := f.svc.sweepChannel(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ChannelMessage(ctx, f.org.ID, m.ID); err != nil {
		t.Fatalf("purged before its time: %v", err)
	}
	f.advance(time.Second)
	if err := f.svc.sweepChannel(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ChannelMessage(ctx, f.org.ID, m.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("an expired channel message: %v", err)
	}
	for _, blob := range []string{m.TextBlob, files[0].BlobID} {
		if _, err := f.vault.Open(ctx, blob); err == nil {
			t.Errorf("blob %s is still there", blob)
		}
	}
	var challenges int
	if err := f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM channel_challenges`).Scan(&challenges); err != nil || challenges != 0 {
		t.Errorf("%d challenges left, %v", challenges, err)
	}
}

// TestChannelJobOverRiver runs the real job queue and a real relay on a
// loopback port, on both databases: a message written on the page has the
// inbox's notify_channel job mail the admins once, and a rerun of the job
// (a process killed before River recorded it) mails nobody again.
func TestChannelJobOverRiver(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		q := startQueue(t, s)
		if _, err := s.CreateUser(ctx, db.NewUser{OrgID: q.org.ID, Email: "beheer@zkh.nl", Role: db.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		page, err := q.svc.ChannelPage(ctx, "zkh.nl")
		if err != nil {
			t.Fatal(err)
		}
		// A challenge with a code the test knows, as StartChannel leaves it.
		now := time.Now().UTC()
		ch := db.ChannelChallenge{TokenHash: secret.HashToken("token"), OrgID: q.org.ID, Address: "burger@example.com",
			Network: "192.0.2.0/24", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateChannelChallenge(ctx, &ch); err != nil {
			t.Fatal(err)
		}
		lim := DefaultChannelLimits
		if _, err := s.ReserveChannelCode(ctx, db.ChannelCodeSend{OrgID: q.org.ID, ChallengeID: ch.ID, CodeHash: q.svc.hashChannelCode(ch.ID, "123456"),
			Now: now, TTL: lim.CodeTTL, Cooldown: lim.Resend, PerAddress: 5, PerNetwork: 20, DailyCap: 500}); err != nil {
			t.Fatal(err)
		}
		if _, err := q.svc.CheckChannelCode(ctx, page, "token", "123456", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := q.svc.SubmitChannel(ctx, ChannelInput{Page: page, Token: "token", Subject: "Vraag", Text: "Beste,", IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		job := q.finished(t, "notify_channel", 1)
		if n := q.relay.count("beheer@zkh.nl"); n != 1 {
			t.Fatalf("the admin got %d mails", n)
		}
		q.rerun(t, job)
		if n := q.relay.total(); n != 1 {
			t.Errorf("after a rerun the relay took %d mails", n)
		}
	})
}
