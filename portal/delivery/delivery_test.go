package delivery

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/i18n"
	"sluis/portal/mime"
	"sluis/portal/secret"
	"sluis/portal/vault"
)

var ctx = context.Background()

// recorder is a job queue that remembers what was enqueued; the end-to-end
// test in cmd/sluis runs the real River queue.
type recorder struct {
	mu   sync.Mutex
	jobs []river.JobArgs
}

func (r *recorder) InsertTx(_ context.Context, _ *db.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, args)
	return nil
}

type fixture struct {
	store  *db.Store
	svc    *Service
	jobs   *recorder
	org    db.Org
	sender db.User
	vault  *vault.Vault
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, dbtest.SQLite(t, dbtest.Options{}))
}

// newFixtureOn is newFixture on a given store (dbtest.Each's).
func newFixtureOn(t *testing.T, s *db.Store) *fixture {
	t.Helper()
	data := t.TempDir()
	keys, err := vault.LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := vault.NewFS(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	v := vault.New(keys, fs)
	tr, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Ziekenhuis", Domains: []string{"zkh.nl"}})
	if err != nil {
		t.Fatal(err)
	}
	sender, err := s.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: "arts@zkh.nl", Role: db.RoleSender, DisplayName: "Dr. Arts"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	svc := New(Options{Store: s, Vault: v, Keys: keys, Jobs: rec, BaseURL: "https://sluis.zkh.nl", MailFrom: "sluis@zkh.nl", Text: tr})
	return &fixture{store: s, svc: svc, jobs: rec, org: org, sender: sender, vault: v}
}

func (f *fixture) put(t *testing.T, book db.Book, email, phone, code string) {
	t.Helper()
	in := db.ContactInput{Email: email}
	if phone != "" {
		in.Phone = &phone
	}
	if code != "" {
		h, err := secret.HashWith(secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}, code)
		if err != nil {
			t.Fatal(err)
		}
		in.AccessCodeHash = &h
	}
	if _, _, err := f.store.PutContact(ctx, book, in, db.Change{Source: db.SourceManual, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

func TestResolutionOrder(t *testing.T) {
	f := newFixture(t)
	personal, org := db.PersonalBook(f.org.ID, f.sender.ID), db.OrgBook(f.org.ID)
	f.put(t, personal, "p@example.com", "+31612345601", "")
	f.put(t, org, "p@example.com", "+31612345602", "") // the personal book wins
	f.put(t, org, "o@example.com", "+31612345603", "")
	f.put(t, org, "partner.nl", "", "partner-code-1")
	f.put(t, org, "named@partner.nl", "", "") // an entry without data falls through to the domain
	f.put(t, org, "cb@example.com", "+31612345604", "")
	cb, _ := mime.ParseControlBlock("<!--zivver_headers\nzivver-access-right: cb@example.com sms +31612345699\nzivver_headers-->\n")
	msg := &mime.Message{Subject: "Uitslag", Text: "Beste,", To: []mime.Address{{Addr: "p@example.com"}}, Control: cb}
	rcpts := []string{"p@example.com", "o@example.com", "x@partner.nl", "named@partner.nl", "cb@example.com", "collega@zkh.nl"}
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: rcpts, Message: msg, Size: 100}); err != nil {
		t.Fatal(err)
	}
	m, rs := f.only(t)
	if m.State != db.StateReleased {
		t.Fatalf("state = %s", m.State)
	}
	want := []struct{ method, source, phone, field string }{
		{db.MethodSMS, FromPersonal, "+31612345601", "to"},
		{db.MethodSMS, FromOrgAddress, "+31612345603", "bcc"},
		{db.MethodAccessCode, FromOrgDomain, "", "bcc"},
		{db.MethodAccessCode, FromOrgDomain, "", "bcc"},
		{db.MethodSMS, FromControlBlock, "+31612345699", "bcc"},
		{db.MethodSignIn, FromInternal, "", "bcc"},
	}
	for i, w := range want {
		r := rs[i]
		if r.Method != w.method || r.DataSource != w.source || r.Phone != w.phone || r.Field != w.field || r.Problem != "" {
			t.Errorf("%s: got %s/%s/%s/%s problem %q; want %v", r.Address, r.Method, r.DataSource, r.Phone, r.Field, r.Problem, w)
		}
	}
	if len(f.jobs.jobs) != 1 || f.jobs.jobs[0] != (NotifyMessageArgs{OrgID: f.org.ID, MessageID: rs[0].MessageID}) {
		t.Errorf("jobs %+v, want one notification job for the message", f.jobs.jobs)
	}
}

func (f *fixture) only(t *testing.T) (db.Message, []db.Recipient) {
	t.Helper()
	m, err := f.store.Message(ctx, f.org.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := f.store.Recipients(ctx, f.org.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m, rs
}

func TestHeldWhenAnyRecipientLacksData(t *testing.T) {
	cases := []struct {
		name    string
		block   string
		problem string
	}{
		{"missing", "", ProblemMissing},
		{"landline in the control block", "zivver-access-right: a@example.com sms +31201234567", ProblemNotMobile},
		{"garbage number", "zivver-access-right: a@example.com sms 12", ProblemBadPhone},
		{"malformed line naming the recipient", "zivver-access-right: a@example.com fax +31612345678", ProblemBadLine},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.put(t, db.OrgBook(f.org.ID), "b@example.com", "+31612345678", "")
			text := "Beste,\n"
			if c.block != "" {
				text = "<!--zivver_headers\n" + c.block + "\nzivver_headers-->\n" + text
			}
			cb, stripped := mime.ParseControlBlock(text)
			msg := &mime.Message{Subject: "Dossier 12", Text: stripped, Control: cb}
			if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com", "b@example.com"}, Message: msg}); err != nil {
				t.Fatal(err)
			}
			m, rs := f.only(t)
			if m.State != db.StateHeld || rs[0].Problem != c.problem || rs[1].Problem != "" {
				t.Errorf("state %s, problems %q %q; want held, %q", m.State, rs[0].Problem, rs[1].Problem, c.problem)
			}
			if len(f.jobs.jobs) != 1 || f.jobs.jobs[0].Kind() != "notify_held" {
				t.Errorf("jobs = %v; only the sender may be told", f.jobs.jobs)
			}
			mail, err := f.svc.heldMail(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(mail.Text, "a@example.com") || !strings.Contains(mail.Text, f.svc.DraftURL(m.UID)) ||
				!strings.Contains(mail.Subject, "Dossier 12") || strings.Contains(mail.Text, "b@example.com") {
				t.Errorf("held mail:\n%s\n%s", mail.Subject, mail.Text)
			}
			if c.block != "" && strings.Contains(mail.Text, "+31201234567") {
				t.Error("the held mail shows a full phone number")
			}
		})
	}
}

func TestStoredContentIsEncrypted(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	msg := &mime.Message{Subject: "Uitslag van mevrouw Jansen", Text: "Diagnose: zeer geheim", HTML: "<p>Diagnose: zeer geheim</p>"}
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: msg}); err != nil {
		t.Fatal(err)
	}
	m, rs := f.only(t)
	if strings.Contains(string(m.Subject), "Jansen") {
		t.Error("subject stored in clear")
	}
	subject, err := f.vault.OpenField(m.Subject, subjectBinding(m.UID))
	if err != nil || string(subject) != msg.Subject {
		t.Errorf("subject = %q, %v", subject, err)
	}
	r, err := f.vault.Open(ctx, m.TextBlob)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil || b.String() != msg.Text {
		t.Errorf("text body = %q, %v", b.String(), err)
	}
	// The link token in the mail hashes to what the row holds.
	mail, err := f.svc.recipientMail(ctx, m, rs[0])
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(f.svc.RecipientURL(rs[0].LinkNonce), "https://sluis.zkh.nl/m/")
	if secret.HashToken(token) != rs[0].TokenHash || !strings.Contains(mail.Text, token) || strings.Contains(mail.Text, "Jansen") {
		t.Errorf("notification:\n%s", mail.Text)
	}
	if !strings.Contains(mail.Text, "+31 6 ●●●● ●●78") {
		t.Errorf("notification does not show the masked number:\n%s", mail.Text)
	}
}

func TestSweepRemovesOnlyOrphans(t *testing.T) {
	f := newFixture(t)
	data := t.TempDir()
	keys, err := vault.LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := vault.NewFS(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	v := vault.New(keys, blobs)
	later := time.Now().Add(2 * time.Hour)
	svc := New(Options{Store: f.store, Vault: v, Blobs: blobs, Keys: keys, Jobs: f.jobs, Text: f.svc.opt.Text, Now: func() time.Time { return later }})
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	if err := svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: &mime.Message{Subject: "s", Text: "kept"}}); err != nil {
		t.Fatal(err)
	}
	orphan, _, err := v.Put(ctx, strings.NewReader("from a crash before the commit"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := svc.SweepBlobs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SweepBlobs = %d, %v; want 1 orphan removed", n, err)
	}
	if _, err := v.Open(ctx, orphan); err == nil {
		t.Error("the orphan is still there")
	}
	m, _ := f.store.Message(ctx, f.org.ID, 1)
	if r, err := v.Open(ctx, m.TextBlob); err != nil {
		t.Errorf("the referenced body was removed: %v", err)
	} else {
		r.Close()
	}
}
