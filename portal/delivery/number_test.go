package delivery

import (
	"errors"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/mime"
)

// numberFixture is a fixture with a fake clock and one SMS recipient.
type numberFixture struct {
	*fixture
	now *time.Time
	msg db.Message
	rc  db.Recipient
}

func newNumberFixture(t *testing.T) *numberFixture {
	t.Helper()
	f := newFixture(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.svc.opt.Now = func() time.Time { return now }
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"},
		Message: &mime.Message{Subject: "Uitslag", Text: "Beste,"}}); err != nil {
		t.Fatal(err)
	}
	msg, rs := f.only(t)
	return &numberFixture{fixture: f, now: &now, msg: msg, rc: rs[0]}
}

func (f *numberFixture) advance(d time.Duration) { *f.now = f.now.Add(d) }

// mails counts the sender's "wrong number" jobs so far.
func (f *numberFixture) mails() int {
	n := 0
	for _, j := range f.jobs.jobs {
		if _, ok := j.(NotifyNumberArgs); ok {
			n++
		}
	}
	return n
}

func (f *numberFixture) requests(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM number_requests`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWrongNumberNoteLimit(t *testing.T) {
	f := newNumberFixture(t)
	long := strings.Repeat("é", DefaultNumberLimits.NoteMax+1)
	if err := f.svc.ReportWrongNumber(ctx, f.rc, long, "192.0.2.1"); !errors.Is(err, ErrNoteTooLong) {
		t.Fatalf("a note of %d characters: %v, want ErrNoteTooLong", DefaultNumberLimits.NoteMax+1, err)
	}
	if n := f.requests(t); n != 0 {
		t.Errorf("a refused request was stored (%d)", n)
	}
	if err := f.svc.ReportWrongNumber(ctx, f.rc, long[:2*DefaultNumberLimits.NoteMax], "192.0.2.1"); err != nil {
		t.Fatalf("a note of exactly %d characters: %v", DefaultNumberLimits.NoteMax, err)
	}
	access := f.rc
	access.Method = db.MethodAccessCode
	if err := f.svc.ReportWrongNumber(ctx, access, "", "192.0.2.1"); !errors.Is(err, ErrNotSMS) {
		t.Errorf("an access-code recipient: %v, want ErrNotSMS", err)
	}
}

// The requests of one link mail the sender PerLink times a day; further
// ones answer the same but mail nobody, until the window has passed.
func TestWrongNumberPerLinkLimit(t *testing.T) {
	f := newNumberFixture(t)
	for i := range DefaultNumberLimits.PerLink + 2 {
		if err := f.svc.ReportWrongNumber(ctx, f.rc, "", "192.0.2.1"); err != nil {
			t.Fatalf("request %d: %v (the answer must not change)", i+1, err)
		}
		f.advance(time.Minute)
	}
	if got := f.mails(); got != DefaultNumberLimits.PerLink {
		t.Errorf("%d requests mailed the sender %d times, want %d", DefaultNumberLimits.PerLink+2, got, DefaultNumberLimits.PerLink)
	}
	f.advance(DefaultNumberLimits.LinkWindow - time.Duration(DefaultNumberLimits.PerLink+2)*time.Minute)
	if err := f.svc.ReportWrongNumber(ctx, f.rc, "", "192.0.2.1"); err != nil || f.mails() != DefaultNumberLimits.PerLink+1 {
		t.Errorf("a day later: %v, %d mails, want one more", err, f.mails())
	}
	evs, err := f.store.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: "number.request"})
	if err != nil || len(evs) != DefaultNumberLimits.PerLink+3 {
		t.Fatalf("audit: %d events (%v), want one per request", len(evs), err)
	}
	if evs[1].Detail != "the sender was told already" || evs[0].Detail != "the sender is told" {
		t.Errorf("audit details %q, %q", evs[1].Detail, evs[0].Detail)
	}
}

// A network gets PerNetwork requests an hour (an IPv4 /24, an IPv6 /64);
// another network is not held back, and the hour passes.
func TestWrongNumberPerNetworkLimit(t *testing.T) {
	for _, tc := range []struct{ name, a, b, other string }{
		{"IPv4", "192.0.2.1", "192.0.2.200", "198.51.100.7"},
		{"IPv6", "2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newNumberFixture(t)
			for i := range DefaultNumberLimits.PerNetwork {
				ip := tc.a
				if i%2 == 1 {
					ip = tc.b
				}
				if err := f.svc.ReportWrongNumber(ctx, f.rc, "", ip); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
			}
			if err := f.svc.ReportWrongNumber(ctx, f.rc, "", tc.b); !errors.Is(err, ErrNetworkLimit) {
				t.Fatalf("request %d from the network: %v, want ErrNetworkLimit", DefaultNumberLimits.PerNetwork+1, err)
			}
			if n := f.requests(t); n != DefaultNumberLimits.PerNetwork {
				t.Errorf("%d requests stored, want %d", n, DefaultNumberLimits.PerNetwork)
			}
			denied, err := f.store.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: "number.request"})
			if err != nil || denied[0].Outcome != db.OutcomeDenied {
				t.Errorf("the refused request is not audited as denied: %+v %v", denied[0], err)
			}
			if err := f.svc.ReportWrongNumber(ctx, f.rc, "", tc.other); err != nil {
				t.Errorf("another network: %v", err)
			}
			f.advance(DefaultNumberLimits.NetworkWindow)
			if err := f.svc.ReportWrongNumber(ctx, f.rc, "", tc.a); err != nil {
				t.Errorf("an hour later: %v", err)
			}
		})
	}
}

func TestNetworkOf(t *testing.T) {
	for ip, want := range map[string]string{"192.0.2.77": "192.0.2.0/24", "::ffff:192.0.2.77": "192.0.2.0/24",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "nonsense": "unknown", "": "unknown"} {
		if got := NetworkOf(ip); got != want {
			t.Errorf("NetworkOf(%q) = %q, want %q", ip, got, want)
		}
	}
}

// The sender answers: the recipient gets the new number and a fresh link,
// the address book the new number (history source recipient-request).
func TestAnswerNumberRequest(t *testing.T) {
	f := newNumberFixture(t)
	if err := f.svc.ReportWrongNumber(ctx, f.rc, "Bel mij op het werk", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	job := f.jobs.jobs[len(f.jobs.jobs)-1].(NotifyNumberArgs)
	n, err := f.store.NumberRequestByID(ctx, f.org.ID, job.RequestID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(n.Note), "werk") {
		t.Error("the note is stored in the clear")
	}
	m, err := f.svc.numberMail(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "https://sluis.zkh.nl/requests/"+n.UID) || strings.Contains(m.Text, "werk") ||
		m.To[0].Addr != f.sender.Email || !strings.Contains(m.Subject, "Uitslag") {
		t.Errorf("the sender's mail (to %v) %q:\n%s", m.To, m.Subject, m.Text)
	}

	other, err := f.store.CreateUser(ctx, db.NewUser{OrgID: f.org.ID, Email: "collega@zkh.nl", Role: db.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SenderNumberRequest(ctx, other, n.UID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another user (even an admin) opens the request: %v", err)
	}
	v, err := f.svc.SenderNumberRequest(ctx, f.sender, n.UID)
	if err != nil || v.Note != "Bel mij op het werk" || v.Recipient.ID != f.rc.ID {
		t.Fatalf("the sender's view: %+v, %v", v, err)
	}

	for _, bad := range []struct {
		e      DraftEntry
		reason string
	}{
		{DraftEntry{Phone: "0201234567", SaveTo: SavePersonal}, ""},
		{DraftEntry{Phone: "+31687654321"}, "bad_choice"},
		{DraftEntry{Phone: "+31687654321", SaveTo: SaveOrg}, "not_allowed"},
		{DraftEntry{SaveTo: SavePersonal}, "missing"},
	} {
		var fe DraftErrors
		err := f.svc.AnswerNumberRequest(ctx, f.sender, n.UID, bad.e, "192.0.2.9")
		if !errors.As(err, &fe) || (bad.reason != "" && fe[0].Reason != bad.reason) {
			t.Errorf("%+v: %v, want a field error %s", bad.e, err, bad.reason)
		}
	}
	jobsBefore := len(f.jobs.jobs)
	if err := f.svc.AnswerNumberRequest(ctx, f.sender, n.UID, DraftEntry{Phone: "06 87654321", SaveTo: SavePersonal}, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	rc, err := f.store.Recipient(ctx, f.org.ID, f.rc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Phone != "+31687654321" || rc.TokenHash == f.rc.TokenHash || rc.Status != db.StatusPending || rc.DataSource != db.SourceRecipientRequest {
		t.Errorf("the recipient after the answer: phone %s, new link %v, status %s, source %s", rc.Phone,
			rc.TokenHash != f.rc.TokenHash, rc.Status, rc.DataSource)
	}
	if got := f.jobs.jobs[jobsBefore:]; len(got) != 1 || got[0].Kind() != "notify_recipient" {
		t.Errorf("jobs after the answer: %v, want the recipient's notification", got)
	}
	c, err := f.store.Contact(ctx, db.PersonalBook(f.org.ID, f.sender.ID), "a@example.com")
	if err != nil || c.Phone != "+31687654321" {
		t.Fatalf("the personal book: %+v, %v", c, err)
	}
	h, err := f.store.ContactHistory(ctx, f.org.ID, c.ID)
	if err != nil || len(h) == 0 || h[0].Source != db.SourceRecipientRequest {
		t.Errorf("history %+v, %v", h, err)
	}
	if err := f.svc.AnswerNumberRequest(ctx, f.sender, n.UID, DraftEntry{Phone: "+31611111111", SaveTo: SavePersonal}, ""); !errors.Is(err, ErrRequestClosed) {
		t.Errorf("answering twice: %v, want ErrRequestClosed", err)
	}
	evs, err := f.store.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: "number.change"})
	if err != nil || len(evs) != 1 || evs[0].After != rc.Display {
		t.Errorf("audit %+v, %v", evs, err)
	}
}
