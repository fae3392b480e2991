package delivery

import (
	"errors"
	"io"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/mime"
)

func TestAnswerIsANewReleasedMessageToTheRecipient(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	f.put(t, db.OrgBook(f.org.ID), "b@example.com", "+31612345679", "")
	msg := &mime.Message{Subject: "Dossier 12", Text: "Beste,", MessageID: "orig@zkh.nl"}
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com", "b@example.com"}, Message: msg}); err != nil {
		t.Fatal(err)
	}
	orig, rs := f.only(t)
	r, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "Dank u"})
	if err != nil {
		t.Fatal(err)
	}
	// The book changes after the reply: the answer keeps the data the
	// recipient proved, rather than resolving again.
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31687654321", "")
	jobsBefore := len(f.jobs.jobs)

	for _, bad := range []struct {
		text string
		want error
	}{{" \n ", ErrAnswerEmpty}, {strings.Repeat("x", MaxReplyText+1), ErrAnswerTooLong}} {
		if _, err := f.svc.Answer(ctx, AnswerInput{Sender: f.sender, ReplyUID: r.UID, Text: bad.text}); !errors.Is(err, bad.want) {
			t.Errorf("answer %.10q: %v, want %v", bad.text, err, bad.want)
		}
	}
	m, err := f.svc.Answer(ctx, AnswerInput{Sender: f.sender, ReplyUID: r.UID, Text: "Graag gedaan."})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.store.MessageByUID(ctx, f.org.ID, m.UID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == orig.ID || got.State != db.StateReleased || got.SenderID != f.sender.ID || got.HeaderMessageID != "" {
		t.Errorf("the answer: %+v", got)
	}
	subject, err := f.vault.OpenField(got.Subject, subjectBinding(got.UID))
	if err != nil || string(subject) != "Re: Dossier 12" {
		t.Errorf("subject %q, %v", subject, err)
	}
	rd, err := f.vault.Open(ctx, got.TextBlob)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(rd)
	if err != nil || rd.Close() != nil || string(body) != "Graag gedaan." {
		t.Errorf("body %q, %v", body, err)
	}
	to, err := f.store.Recipients(ctx, f.org.ID, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(to) != 1 || to[0].Address != "a@example.com" || to[0].Phone != "+31612345678" || to[0].Method != db.MethodSMS ||
		to[0].Status != db.StatusPending || to[0].TokenHash == rs[0].TokenHash {
		t.Errorf("the answer's recipients: %+v", to)
	}
	f.jobs.mu.Lock()
	defer f.jobs.mu.Unlock()
	if added := f.jobs.jobs[jobsBefore:]; len(added) != 1 || added[0] != (NotifyMessageArgs{OrgID: f.org.ID, MessageID: got.ID}) {
		t.Errorf("jobs enqueued with the answer: %+v", added)
	}
}

func TestAnswerOnlyToTheSendersReplies(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: &mime.Message{Subject: "x", Text: "y"}}); err != nil {
		t.Fatal(err)
	}
	_, rs := f.only(t)
	r, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "Dank u"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.store.CreateUser(ctx, db.NewUser{OrgID: f.org.ID, Email: "ander@zkh.nl", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []AnswerInput{{Sender: other, ReplyUID: r.UID, Text: "hallo"}, {Sender: f.sender, ReplyUID: "nope", Text: "hallo"}} {
		if _, err := f.svc.Answer(ctx, in); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("answer as %s to %s: %v, want not found", in.Sender.Email, in.ReplyUID, err)
		}
	}
	if got := answerSubject("RE: x"); got != "RE: x" {
		t.Errorf("answerSubject: %q", got)
	}
}
