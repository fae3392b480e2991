package delivery

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// channelMessage stores a channel message as the citizen's page does: the
// text and a file as encrypted blobs, the subject, name and file name
// sealed under their bindings.
func (f *fixture) channelMessage(t *testing.T, orgID int64, from, subject, text, file, body string) db.ChannelMessage {
	t.Helper()
	uid, err := newUID()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	m := db.ChannelMessage{UID: uid, OrgID: orgID, Address: from, Network: "192.0.2.0/24", CreatedAt: now,
		ExpiresAt: now.Add(30 * 24 * time.Hour), Size: int64(len(text) + len(body))}
	var blobs []string
	if m.TextBlob, err = f.svc.putBody(ctx, text, &blobs); err != nil {
		t.Fatal(err)
	}
	if m.Subject, err = f.vault.SealField([]byte(subject), channelSubjectBinding(uid)); err != nil {
		t.Fatal(err)
	}
	if m.Name, err = f.vault.SealField([]byte("Jan Schrijver"), channelNameBinding(uid)); err != nil {
		t.Fatal(err)
	}
	nm := &db.NewChannelMessage{Message: m}
	if file != "" {
		id, size, err := f.vault.Put(ctx, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		name, err := f.vault.SealField([]byte(file), channelFilenameBinding(uid, 0))
		if err != nil {
			t.Fatal(err)
		}
		nm.Attachments = []db.ChannelAttachment{{BlobID: id, Filename: name, ContentType: "application/pdf", Size: size}}
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error { return tx.InsertChannelMessage(ctx, nm) }); err != nil {
		t.Fatal(err)
	}
	return nm.Message
}

func (f *fixture) setInbox(t *testing.T, orgID int64, inbox string) {
	t.Helper()
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		return tx.PutChannelSettings(ctx, db.ChannelSettings{OrgID: orgID, Enabled: true, Inbox: inbox, UpdatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) user(t *testing.T, orgID int64, email, role string) db.User {
	t.Helper()
	u, err := f.store.CreateUser(ctx, db.NewUser{OrgID: orgID, Email: email, Role: role, DisplayName: strings.Split(email, "@")[0]})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestInboxMembership(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		f := newFixtureOn(t, s)
		admin := f.user(t, f.org.ID, "beheer@zkh.nl", db.RoleAdmin)
		gone := f.user(t, f.org.ID, "oud@zkh.nl", db.RoleAdmin)
		if err := s.SetUserDisabled(ctx, f.org.ID, gone.ID, true); err != nil {
			t.Fatal(err)
		}
		gone.Disabled = true
		secretary := f.user(t, f.org.ID, "secretariaat@zkh.nl", db.RoleSender)
		if err := s.AddAlias(ctx, f.org.ID, secretary.ID, "balie@zkh.nl"); err != nil {
			t.Fatal(err)
		}
		g, err := s.CreateGroup(ctx, f.org.ID, "patienten@zkh.nl", "Patiënten")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddGroupMember(ctx, f.org.ID, g.ID, f.sender.Email); err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateOrg(ctx, db.NewOrg{Name: "Elders", Domains: []string{"elders.nl"}})
		if err != nil {
			t.Fatal(err)
		}
		outsider := f.user(t, other.ID, "beheer@elders.nl", db.RoleAdmin)
		// Another organisation's admin is in their own inbox, never in ours.
		if ok, err := s.InboxMember(ctx, f.org.ID, outsider, ""); err != nil || ok {
			t.Errorf("another organisation's admin is in the inbox (%v)", err)
		}

		for _, tc := range []struct {
			inbox string
			in    []db.User
			out   []db.User
		}{
			{"", []db.User{admin}, []db.User{gone, secretary, f.sender}},
			{"secretariaat@zkh.nl", []db.User{secretary}, []db.User{admin, f.sender}},
			{"Balie@zkh.nl", []db.User{secretary}, []db.User{admin, f.sender}},
			{"patienten@zkh.nl", []db.User{f.sender}, []db.User{admin, secretary}},
			{"niemand@zkh.nl", nil, []db.User{admin, secretary, f.sender}},
		} {
			f.setInbox(t, f.org.ID, tc.inbox)
			for _, u := range tc.in {
				if ok, err := f.svc.InInbox(ctx, u); err != nil || !ok {
					t.Errorf("inbox %q: %s is not in it (%v)", tc.inbox, u.Email, err)
				}
			}
			for _, u := range tc.out {
				if ok, err := f.svc.InInbox(ctx, u); err != nil || ok {
					t.Errorf("inbox %q: %s is in it (%v)", tc.inbox, u.Email, err)
				}
			}
		}
	})
}

func TestInboxReadDownloadAndAnswer(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		f := newFixtureOn(t, s)
		admin := f.user(t, f.org.ID, "beheer@zkh.nl", db.RoleAdmin)
		older := f.channelMessage(t, f.org.ID, "eerder@example.org", "Eerder", "Oud bericht", "", "")
		cm := f.channelMessage(t, f.org.ID, "jan@example.org", "Vraag over mijn afspraak", "Beste,\n<b>kan het later?</b>", "brief.pdf", "%PDF-1.4 test")

		items, more, err := f.svc.InboxPage(ctx, admin, 1, 1)
		if err != nil || more != true || len(items) != 1 || items[0].UID != cm.UID || items[0].Subject != "Vraag over mijn afspraak" || items[0].Name != "Jan Schrijver" {
			t.Fatalf("page 1: %+v more=%v %v", items, more, err)
		}
		items, more, err = f.svc.InboxPage(ctx, admin, 2, 1)
		if err != nil || more || len(items) != 1 || items[0].UID != older.UID {
			t.Fatalf("page 2: %+v more=%v %v", items, more, err)
		}

		got, err := f.svc.ReadInbox(ctx, admin, cm.UID, "198.51.100.7")
		if err != nil || got.Text != "Beste,\n<b>kan het later?</b>" || len(got.Files) != 1 || got.Files[0].Name != "brief.pdf" ||
			got.ReadAt.IsZero() || got.AnsweredBy != "" {
			t.Fatalf("read: %+v %v", got, err)
		}
		file, err := f.svc.DownloadInboxFile(ctx, admin, cm.UID, 0, "198.51.100.7")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(file.Body)
		if err != nil || file.Body.Close() != nil || string(body) != "%PDF-1.4 test" {
			t.Fatalf("file %q %v", body, err)
		}
		if _, err := f.svc.DownloadInboxFile(ctx, admin, cm.UID, 1, ""); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a file that is not there: %v", err)
		}

		for _, bad := range []struct {
			text string
			want error
		}{{" \n", ErrAnswerEmpty}, {strings.Repeat("x", MaxReplyText+1), ErrAnswerTooLong}} {
			if _, err := f.svc.AnswerInbox(ctx, InboxAnswer{User: admin, UID: cm.UID, Text: bad.text}); !errors.Is(err, bad.want) {
				t.Errorf("answer %.10q: %v, want %v", bad.text, err, bad.want)
			}
		}
		jobs := len(f.jobs.jobs)
		msg, err := f.svc.AnswerInbox(ctx, InboxAnswer{User: admin, UID: cm.UID, Text: "Ja, dat kan.", IP: "198.51.100.7"})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.MessageByUID(ctx, f.org.ID, msg.UID)
		if err != nil || stored.State != db.StateReleased || stored.SenderID != admin.ID {
			t.Fatalf("the answer: %+v %v", stored, err)
		}
		if subject, err := f.svc.subject(stored); err != nil || subject != "Re: Vraag over mijn afspraak" {
			t.Errorf("subject %q %v", subject, err)
		}
		rs, err := s.Recipients(ctx, f.org.ID, stored.ID)
		if err != nil || len(rs) != 1 || rs[0].Address != "jan@example.org" || rs[0].Method != db.MethodMail ||
			rs[0].DataSource != db.SourceChannel || rs[0].Phone != "" || rs[0].Problem != "" {
			t.Fatalf("the answer's recipient: %+v %v", rs, err)
		}
		note, err := f.svc.recipientMail(ctx, stored, rs[0])
		if err != nil {
			t.Fatal(err)
		}
		if low := strings.ToLower(note.Text); !strings.Contains(low, "code") || !strings.Contains(low, "e-mail") ||
			strings.Contains(low, "sms") || strings.Contains(low, "text message") || strings.Contains(note.Text, "Ja, dat kan") {
			t.Errorf("the notification does not say the code comes by e-mail (or tells too much):\n%s", note.Text)
		}
		if n := len(f.jobs.jobs) - jobs; n != 1 {
			t.Fatalf("%d jobs for the answer, want its notification", n)
		} else if _, ok := f.jobs.jobs[jobs].(NotifyMessageArgs); !ok {
			t.Fatalf("the job is %T", f.jobs.jobs[jobs])
		}
		got, err = f.svc.ReadInbox(ctx, admin, cm.UID, "")
		if err != nil || got.AnsweredBy != "beheer" || got.AnswerUID != msg.UID || got.AnsweredAt.IsZero() {
			t.Fatalf("after the answer: %+v %v", got, err)
		}
		if _, err := f.svc.AnswerInbox(ctx, InboxAnswer{User: admin, UID: cm.UID, Text: "Nog eens"}); !errors.Is(err, ErrChannelAnswered) {
			t.Fatalf("a second answer: %v", err)
		}
		// The conversation goes on: the writer replies to the answer, and
		// the answer to that reply is verified by the mailbox again.
		r, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "Dank u, tot dinsdag."})
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Answer(ctx, AnswerInput{Sender: admin, ReplyUID: r.UID, Text: "Graag gedaan."})
		if err != nil {
			t.Fatalf("answering the writer's reply: %v", err)
		}
		if rs2, err := s.Recipients(ctx, f.org.ID, again.ID); err != nil || len(rs2) != 1 || rs2[0].Method != db.MethodMail ||
			rs2[0].Address != "jan@example.org" {
			t.Fatalf("the second answer's recipient: %+v %v", rs2, err)
		}
		for kind, want := range map[string]int{KindChannelRead: 2, KindChannelDownload: 1, KindChannelAnswer: 1} {
			evs, err := s.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: kind})
			if err != nil || len(evs) != want {
				t.Fatalf("%s: %d events, want %d (%v)", kind, len(evs), want, err)
			}
			if e := evs[0]; e.ActorID != admin.ID || e.Target != "channel:"+cm.UID+" jan@example.org" {
				t.Errorf("%s event: %+v", kind, e)
			}
		}
		if evs, _ := s.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: KindChannelAnswer}); evs[0].After != MessageTarget(msg.UID) {
			t.Errorf("the answer's event names %q", evs[0].After)
		}
	})
}

// TestInboxHidesFromOutsiders: a user outside the inbox, and a member of
// another organisation's inbox, get not-found for every call, as for a
// message that does not exist; nothing is marked or audited.
func TestInboxHidesFromOutsiders(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		f := newFixtureOn(t, s)
		cm := f.channelMessage(t, f.org.ID, "jan@example.org", "Vraag", "Tekst", "a.pdf", "x")
		other, err := s.CreateOrg(ctx, db.NewOrg{Name: "Elders", Domains: []string{"elders.nl"}})
		if err != nil {
			t.Fatal(err)
		}
		theirAdmin := f.user(t, other.ID, "beheer@elders.nl", db.RoleAdmin)
		for _, u := range []db.User{f.sender, theirAdmin} {
			if _, _, err := f.svc.InboxPage(ctx, u, 1, 10); u.OrgID == f.org.ID && !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s lists the inbox: %v", u.Email, err)
			}
			if _, err := f.svc.ReadInbox(ctx, u, cm.UID, ""); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s reads: %v", u.Email, err)
			}
			if _, err := f.svc.DownloadInboxFile(ctx, u, cm.UID, 0, ""); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s downloads: %v", u.Email, err)
			}
			if _, err := f.svc.AnswerInbox(ctx, InboxAnswer{User: u, UID: cm.UID, Text: "Hallo"}); !errors.Is(err, db.ErrNotFound) {
				t.Errorf("%s answers: %v", u.Email, err)
			}
		}
		items, _, err := f.svc.InboxPage(ctx, theirAdmin, 1, 10)
		if err != nil || len(items) != 0 {
			t.Errorf("another organisation's inbox lists %d messages (%v)", len(items), err)
		}
		after, err := s.ChannelMessageByUID(ctx, f.org.ID, cm.UID)
		if err != nil || !after.ReadAt.IsZero() || !after.AnsweredAt.IsZero() {
			t.Errorf("an outsider changed the message: %+v %v", after, err)
		}
		if evs, err := s.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: "channel."}); err != nil || len(evs) != 0 {
			t.Errorf("outsiders left %d channel events (%v)", len(evs), err)
		}
	})
}
