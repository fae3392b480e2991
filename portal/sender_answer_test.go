package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
)

// repliedTo has the patient reply to a fresh report and returns the
// patient and the reply.
func (se *senderEnv) repliedTo(t *testing.T) (db.Recipient, db.Reply) {
	t.Helper()
	rc := se.smsRecipient(t)
	reader := se.browser(t)
	reader.verifyBySMS(rc)
	reader.get(se.w.Path(rc) + "/reply")
	if p := reader.postReply(se.w.Path(rc)+"/reply", "Mag ik de foto's ook?", nil); p.status != http.StatusSeeOther {
		t.Fatalf("reply: %d\n%s", p.status, mainOf(p.body))
	}
	replies, err := se.w.Store.Replies(context.Background(), rc.OrgID, rc.MessageID)
	if err != nil || len(replies) != 1 {
		t.Fatalf("replies %v, %v", replies, err)
	}
	return rc, replies[0]
}

func TestSenderAnswersAReply(t *testing.T) {
	se := newSenderEnv(t)
	rc, r := se.repliedTo(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	mustContain(t, "reply page", b.get("/replies/"+r.UID), http.StatusOK, "Mag ik de foto", `action="/replies/`+r.UID+`/answer"`,
		"Your answer to patient@example.com")
	before := se.notifications()

	p := b.post("/replies/"+r.UID+"/answer", url.Values{"text": {"  \n"}})
	mustContain(t, "empty answer", p, http.StatusUnprocessableEntity, `id="answer-error"`, "Write an answer first.", `aria-invalid="true"`)
	if se.notifications() != before {
		t.Fatal("a rejected answer enqueued a notification")
	}

	p = b.post("/replies/"+r.UID+"/answer", url.Values{"text": {"Ja, die stuur ik u morgen."}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/messages/") || !strings.HasSuffix(p.location, "?done=sent") {
		t.Fatalf("answer: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	if got := se.notifications(); got != before+1 {
		t.Errorf("%d notifications enqueued for the answer, want 1", got-before)
	}
	mustContain(t, "the answer's status", b.get(p.location), http.StatusOK, "Re: Uitslag onderzoek", "patient@example.com", "Your email was sent")

	// The recipient opens the answer with the number they proved before.
	msg, to := se.w.Latest(t)
	if len(to) != 1 || to[0].Address != rc.Address || to[0].Phone != rc.Phone || msg.State != db.StateReleased {
		t.Fatalf("the answer went to %+v (%s)", to, msg.State)
	}
	reader := se.browser(t)
	reader.verifyBySMS(to[0])
	mustContain(t, "the answer read", reader.get(se.w.Path(to[0])+"/read"), http.StatusOK, "Ja, die stuur ik u morgen.")
}

func TestAnswerRefusedForOthers(t *testing.T) {
	se := newSenderEnv(t)
	_, r := se.repliedTo(t)
	se.addUser(t, "andere@zkh.example", db.RoleAdmin)
	other := se.browser(t)
	other.signIn("andere@zkh.example", senderPassword, "/messages")
	before := se.notifications()
	if p := other.post("/replies/"+r.UID+"/answer", url.Values{"text": {"hallo"}}); p.status != http.StatusNotFound {
		t.Errorf("another user's answer: %d", p.status)
	}
	if p := other.post("/replies/00000000000000000000000000000000/answer", url.Values{"text": {"hallo"}}); p.status != http.StatusNotFound {
		t.Errorf("an unknown reply: %d", p.status)
	}
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	b.get("/replies/" + r.UID)
	b.csrf = "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	if p := b.post("/replies/"+r.UID+"/answer", url.Values{"text": {"hallo"}}); p.status != http.StatusForbidden {
		t.Errorf("a wrong CSRF token: %d", p.status)
	}
	if se.notifications() != before {
		t.Error("a refused answer enqueued a notification")
	}
}
