package delivery

import (
	"errors"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/jobs"
	"sluis/portal/mime"
)

// TestReplyBurstIsCappedAndBatched: a verified recipient sends at most
// MaxRepliesHourly replies an hour, and a burst of replies gives the
// sender one mail that counts them (one waiting job per recipient, in a
// real River queue), linking to the message rather than one reply.
func TestReplyBurstIsCappedAndBatched(t *testing.T) {
	f := newFixture(t)
	queue, err := jobs.New(f.store, jobs.Options{Insertonly: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a batch window starts here
	f.svc.opt.Jobs, f.svc.opt.Now = queue, func() time.Time { return now }
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"},
		Message: &mime.Message{Subject: "Dossier 12", Text: "Beste,"}}); err != nil {
		t.Fatal(err)
	}
	msg, rs := f.only(t)
	var first db.Reply
	for i := range MaxRepliesHourly {
		now = now.Add(time.Second)
		r, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "antwoord"})
		if err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
		if i == 0 {
			first = r
		}
	}
	if _, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "nog een"}); !errors.Is(err, ErrReplyLimit) {
		t.Fatalf("reply %d in the hour: %v, want ErrReplyLimit", MaxRepliesHourly+1, err)
	}
	var waiting int
	if err := f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'notify_sender'`).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	if waiting != 1 {
		t.Errorf("%d replies left %d notification jobs, want one for the batch", MaxRepliesHourly, waiting)
	}
	m, err := f.svc.senderMail(ctx, NotifySenderArgs{OrgID: f.org.ID, RecipientID: rs[0].ID, Event: EventReply, ReplyID: first.ID,
		Batch: first.CreatedAt.Truncate(f.svc.opt.ReplyBatch).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Subject, "10") || !strings.Contains(m.Text, "/messages/"+msg.UID) || m.Headers["X-Sluis-Kind"] != "sender-replies" {
		t.Errorf("the batch's mail:\n%s\n%s", m.Subject, m.Text)
	}
	now = now.Add(time.Hour)
	if _, err := f.svc.Reply(ctx, ReplyInput{Recipient: rs[0], Text: "een uur later"}); err != nil {
		t.Errorf("a reply an hour later: %v", err)
	}
}
