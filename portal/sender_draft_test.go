package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/delivery"
)

// heldDraft submits the report to one recipient with data (from the
// organisation's book) and one without: the message is held.
func (se *senderEnv) heldDraft(t *testing.T) (db.Message, db.Recipient) {
	t.Helper()
	se.w.AddPhone(t, "collega@partner.example", "+31612345679")
	m, rs := se.report(t, "patient@example.com", "collega@partner.example")
	if m.State != db.StateHeld || rs[0].Problem == "" {
		t.Fatalf("the draft is %s, patient's problem %q", m.State, rs[0].Problem)
	}
	return m, rs[0]
}

// notifications counts the notification jobs enqueued: one per recipient
// of a released draft, one per message that arrives whole (an answer).
func (se *senderEnv) notifications() int {
	return se.jobs.count(delivery.NotifyRecipientArgs{}.Kind()) + se.jobs.count(delivery.NotifyMessageArgs{}.Kind())
}

func TestFinishHeldDraft(t *testing.T) {
	se := newSenderEnv(t)
	m, patient := se.heldDraft(t)
	b := se.browser(t)
	if p := b.get("/drafts/" + m.UID); p.status != http.StatusSeeOther || p.location != "/signin?next=%2Fdrafts%2F"+m.UID {
		t.Fatalf("draft link before sign-in: %d to %q", p.status, p.location)
	}
	b.signInNext("arts@zkh.example", senderPassword, "/drafts/"+m.UID)
	p := b.get("/drafts/" + m.UID)
	mustContain(t, "draft", p, http.StatusOK, "Uitslag onderzoek", "patient@example.com", "no mobile number or access code is known",
		"collega@partner.example", "organisation’s address book", `name="phone-`+strconv.FormatInt(patient.ID, 10)+`"`)
	mustLack(t, "draft as sender", p, `value="org"`) // only admins may save to the organisation's book

	id := strconv.FormatInt(patient.ID, 10)
	p = b.post("/drafts/"+m.UID, url.Values{"recipient": {id}, "phone-" + id: {"020 123 4567"}, "save-" + id: {"personal"}})
	mustContain(t, "landline", p, http.StatusUnprocessableEntity, "This is not a mobile number", `value="020 123 4567"`,
		`id="phone-`+id+`-error"`, `value="personal" checked`)
	if got := se.notifications(); got != 0 {
		t.Fatalf("a rejected form enqueued %d notifications", got)
	}

	p = b.post("/drafts/"+m.UID, url.Values{"recipient": {id}, "phone-" + id: {"06 1234 5678"}, "save-" + id: {"personal"}})
	if p.status != http.StatusSeeOther || p.location != "/messages/"+m.UID+"?done=sent" {
		t.Fatalf("send: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	if got := se.notifications(); got != 2 {
		t.Errorf("%d notifications enqueued, want one per recipient", got)
	}
	msg, rs := se.w.Latest(t)
	if msg.State != db.StateReleased || rs[0].Phone != "+31612345678" || rs[0].DataSource != delivery.FromDraft || rs[0].Problem != "" {
		t.Errorf("after send: %s, %+v", msg.State, rs[0])
	}
	c, err := se.w.Store.Contact(context.Background(), db.PersonalBook(se.w.Org.ID, se.w.Sender.ID), "patient@example.com")
	if err != nil || c.Phone != "+31612345678" {
		t.Errorf("the personal book has %+v, %v", c, err)
	}
	mustContain(t, "status", b.get("/messages/"+m.UID+"?done=sent"), http.StatusOK, "Your email was sent", "patient@example.com")

	// The same POST again (a replay, a double click): refused, nothing more.
	p = b.post("/drafts/"+m.UID, url.Values{"recipient": {id}, "phone-" + id: {"06 1234 5678"}})
	if p.status != http.StatusConflict || se.notifications() != 2 {
		t.Errorf("resend: %d with %d notifications", p.status, se.notifications())
	}
}

func TestDraftRefusals(t *testing.T) {
	se := newSenderEnv(t)
	m, patient := se.heldDraft(t)
	id := strconv.FormatInt(patient.ID, 10)
	form := url.Values{"recipient": {id}, "phone-" + id: {"0612345678"}}

	other := se.browser(t)
	se.addUser(t, "andere@zkh.example", db.RoleAdmin)
	other.signIn("andere@zkh.example", senderPassword, "/messages")
	notFound := other.get("/drafts/" + m.UID)
	unknown := other.get("/drafts/00000000000000000000000000000000")
	if notFound.status != http.StatusNotFound || unknown.status != http.StatusNotFound {
		t.Errorf("someone else's draft: %d, an unknown one: %d", notFound.status, unknown.status)
	}
	if p := other.post("/drafts/"+m.UID, form); p.status != http.StatusNotFound {
		t.Errorf("someone else's POST: %d", p.status)
	}

	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	b.get("/drafts/" + m.UID)
	good := b.csrf
	b.csrf = "AAAAAAAAAAAAAAAAAAAAAAAAAA"
	if p := b.post("/drafts/"+m.UID, form); p.status != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", p.status)
	}
	b.csrf = good
	org := url.Values{"recipient": {id}, "phone-" + id: {"0612345678"}, "save-" + id: {"org"}}
	mustContain(t, "sender saving to the org book", b.post("/drafts/"+m.UID, org), http.StatusUnprocessableEntity, "Only administrators")
	if msg, _ := se.w.Latest(t); msg.State != db.StateHeld || se.notifications() != 0 {
		t.Fatalf("a refused POST changed the draft: %s, %d notifications", msg.State, se.notifications())
	}
}

func TestDraftReadOnlyWhenWebSendingIsOff(t *testing.T) {
	se := newSenderEnv(t)
	m, patient := se.heldDraft(t)
	if err := se.policy.Set(context.Background(), se.w.Org.ID, se.w.Org.RootUnit, "web_sending", "false", "test"); err != nil {
		t.Fatal(err)
	}
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	p := b.get("/drafts/" + m.UID)
	mustContain(t, "read-only draft", p, http.StatusOK, "Sending from the web app is off", `href="/contacts"`,
		"&lt;!--zivver_headers\nzivver-access-right: patient@example.com sms &#43;31XXXXXXXXX\nzivver_headers--&gt;")
	mustLack(t, "read-only draft", p, `action="/drafts/`)
	id := strconv.FormatInt(patient.ID, 10)
	if p := b.post("/drafts/"+m.UID, url.Values{"recipient": {id}, "phone-" + id: {"0612345678"}}); p.status != http.StatusForbidden {
		t.Errorf("a POST while web sending is off: %d", p.status)
	}
	if msg, _ := se.w.Latest(t); msg.State != db.StateHeld {
		t.Errorf("the draft is %s", msg.State)
	}
}

func TestRevokeCutsAnOpenRecipientSession(t *testing.T) {
	se := newSenderEnv(t)
	rc := se.smsRecipient(t)
	reader := se.browser(t)
	reader.verifyBySMS(rc)
	link := se.w.Path(rc)
	if p := reader.get(link + "/read"); p.status != http.StatusOK {
		t.Fatalf("reading before the revoke: %d", p.status)
	}
	msg, _ := se.w.Latest(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	b.get("/messages/" + msg.UID)
	p := b.post("/messages/"+msg.UID+"/revoke", url.Values{"recipient": {strconv.FormatInt(rc.ID, 10)}, "when": {"now"}, "confirm": {"yes"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", p.status, mainOf(p.body))
	}
	if p := reader.get(link + "/read"); p.status == http.StatusOK && strings.Contains(p.body, "Uitslag onderzoek") {
		t.Error("the revoked recipient still reads the message")
	}
	mustContain(t, "status", b.get("/messages/"+msg.UID), http.StatusOK, "revoked")
}
