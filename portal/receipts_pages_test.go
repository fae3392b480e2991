package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/policy"
	"sluis/portal/receipts"
)

// withReceipts sets the organisation's read-receipt mode.
func (se *senderEnv) withReceipts(t *testing.T, mode string) {
	t.Helper()
	if err := se.policy.Set(context.Background(), se.w.Org.ID, se.w.Org.RootUnit, policy.ReadReceipts, mode, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestReadReceiptFromTheDraftPage: the sender ticks the checkbox when
// finishing a draft, the external reader is asked, says yes, and the
// sender's status page shows the receipt.
func TestReadReceiptFromTheDraftPage(t *testing.T) {
	se := newSenderEnv(t)
	se.withReceipts(t, policy.ReceiptsAny)
	m, patient := se.heldDraft(t)
	sender := se.browser(t)
	sender.signIn("arts@zkh.example", senderPassword, "/messages")
	mustContain(t, "draft page", sender.get("/drafts/"+m.UID), http.StatusOK, `name="receipt"`, "Ask for a read receipt")
	id := strconv.FormatInt(patient.ID, 10)
	p := sender.post("/drafts/"+m.UID, url.Values{"recipient": {id}, "phone-" + id: {"0612345678"}, "receipt": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("finishing the draft: %d\n%s", p.status, mainOf(p.body))
	}
	msg, rs := se.w.Latest(t)
	if msg.ReceiptTo != "arts@zkh.example" || msg.State != db.StateReleased {
		t.Fatalf("message %s, receipt to %q", msg.State, msg.ReceiptTo)
	}
	if evs := se.auditKinds(t, se.w.Org.ID, "draft.release"); len(evs) != 1 || evs[0].Target != "message:"+m.UID {
		t.Errorf("release events %+v", evs)
	}
	reader := se.browser(t)
	reader.verifyBySMS(rs[0])
	link := se.w.Path(rs[0])
	p = reader.get(link + "/read")
	mustContain(t, "the question", p, http.StatusOK, "The sender asked for a read receipt. Send one?", "arts@zkh.example", `id="receipt-send"`)
	if p := reader.post(link+"/receipt", url.Values{"answer": {"send"}}); p.location != link+"/read?receipt=sent" {
		t.Fatalf("answering: %d %q", p.status, p.location)
	}
	p = reader.get(link + "/read?receipt=sent")
	mustContain(t, "after answering", p, http.StatusOK, "A read receipt is on its way.")
	mustLack(t, "after answering", p, `id="receipt-send"`)
	if p := reader.post(link+"/receipt", url.Values{"answer": {"send"}}); p.location != link+"/read" {
		t.Errorf("a second answer: %d %q", p.status, p.location)
	}
	if n := se.jobs.count(receipts.SendArgs{}.Kind()); n != 1 {
		t.Errorf("%d receipt jobs", n)
	}
	mustContain(t, "status page", sender.get("/messages/"+m.UID), http.StatusOK, "Read receipt: being sent")
}

// TestReadReceiptIgnoredWhenOff: a Disposition-Notification-To from a
// unit with receipts off asks nobody, and the draft page has no checkbox.
func TestReadReceiptIgnoredWhenOff(t *testing.T) {
	se := newSenderEnv(t)
	se.withReceipts(t, policy.ReceiptsOff)
	m, _ := se.heldDraft(t)
	sender := se.browser(t)
	sender.signIn("arts@zkh.example", senderPassword, "/messages")
	mustLack(t, "draft page with receipts off", sender.get("/drafts/"+m.UID), `name="receipt"`)
	se.w.AddPhone(t, "patient@example.com", "+31612345678")
	_, rs := se.w.Submit(t, "From: arts@zkh.example\nTo: patient@example.com\nSubject: x\nDisposition-Notification-To: arts@zkh.example\n\nbody\n",
		"patient@example.com")
	reader := se.browser(t)
	reader.verifyBySMS(rs[0])
	p := reader.get(se.w.Path(rs[0]) + "/read")
	mustLack(t, "receipts off", p, "read receipt")
	if n := se.jobs.count(receipts.SendArgs{}.Kind()); n != 0 {
		t.Errorf("%d receipt jobs", n)
	}
}

// TestLockUnlockAndRevokeAudited: 20 wrong codes lock a recipient (an
// audit event of the system), an admin unlocks (audited), the sender
// revokes (audited).
func TestLockUnlockAndRevokeAudited(t *testing.T) {
	se := newSenderEnv(t)
	rc := se.smsRecipient(t)
	reader := se.browser(t)
	link := se.w.Path(rc)
	for round := 0; round < 4; round++ {
		reader.get(link)
		if p := reader.post(link+"/code", nil); p.status != http.StatusSeeOther {
			t.Fatalf("round %d: send code %d", round, p.status)
		}
		reader.get(link)
		for i := 0; i < 5; i++ {
			reader.post(link+"/check", url.Values{"code": {"000000"}})
		}
		se.w.Clock.Advance(61 * time.Second)
	}
	locks := se.auditKinds(t, se.w.Org.ID, "recipient.lock")
	if len(locks) != 1 || locks[0].Actor != "system" || locks[0].Target != "recipient:"+strconv.FormatInt(rc.ID, 10) {
		t.Fatalf("lock events %+v", locks)
	}
	admin, _ := se.adminBrowser(t)
	mustContain(t, "locked list", admin.get("/admin/recipients"), http.StatusOK, "patient@example.com", "arts@zkh.example")
	if p := admin.post("/admin/recipients/"+strconv.FormatInt(rc.ID, 10)+"/unlock", nil); p.location != "/admin/recipients?done=unlocked" {
		t.Fatalf("unlock: %d", p.status)
	}
	mustContain(t, "after unlocking", admin.get("/admin/recipients"), http.StatusOK, "No recipient is locked")
	if p := admin.post("/admin/recipients/"+strconv.FormatInt(rc.ID, 10)+"/unlock", nil); p.status != http.StatusNotFound {
		t.Errorf("unlocking twice: %d", p.status)
	}
	unlocks := se.auditKinds(t, se.w.Org.ID, "recipient.unlock")
	if len(unlocks) != 2 || unlocks[0].Outcome != db.OutcomeOK || unlocks[1].Outcome != db.OutcomeFailed {
		t.Errorf("unlock events %+v", unlocks)
	}
	sender := se.browser(t)
	sender.signIn("arts@zkh.example", senderPassword, "/messages")
	msg, _ := se.w.Latest(t)
	sender.get("/messages/" + msg.UID)
	if p := sender.post("/messages/"+msg.UID+"/revoke", url.Values{"recipient": {"all"}, "when": {"now"}, "confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	if evs := se.auditKinds(t, se.w.Org.ID, "message.revoke"); len(evs) != 1 || evs[0].After != "all recipients now" {
		t.Errorf("revoke events %+v", evs)
	}
}
