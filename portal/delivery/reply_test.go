package delivery

import (
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/mime"
)

// TestSenderMails renders the three mails a sender gets about a recipient.
func TestSenderMails(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	msg := &mime.Message{Subject: "Dossier 12", Text: "Beste,"}
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: msg}); err != nil {
		t.Fatal(err)
	}
	_, rs := f.only(t)
	r, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "Dank u",
		Files: []ReplyFile{{Name: `C:\scans\brief.pdf`, ContentType: "application/pdf; name=x", Body: strings.NewReader("%PDF")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{EventLocked, EventForgot, EventReply} {
		m, err := f.svc.senderMail(ctx, NotifySenderArgs{OrgID: f.org.ID, RecipientID: rs[0].ID, Event: ev, ReplyID: r.ID})
		if err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		if !strings.Contains(m.Subject, "Dossier 12") || !strings.Contains(m.Text, "a@example.com") || m.To[0].Addr != "arts@zkh.nl" ||
			strings.Contains(m.Text, "Dank u") || strings.Contains(m.Text, "mail."+ev) {
			t.Errorf("%s mail:\n%s\n%s", ev, m.Subject, m.Text)
		}
		if ev == EventReply && !strings.Contains(m.Text, f.svc.ReplyURL(r.UID)) {
			t.Errorf("the reply mail lacks its link:\n%s", m.Text)
		}
	}
	if _, err := f.svc.senderMail(ctx, NotifySenderArgs{OrgID: f.org.ID, RecipientID: rs[0].ID, Event: "other"}); err == nil {
		t.Error("an unknown event made a mail")
	}
	if got := CleanFilename(`C:\scans\brief.pdf`); got != "brief.pdf" {
		t.Errorf("CleanFilename: %q", got)
	}
}
