package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
	"sluis/internal/testworld"
)

// The guards of the NTA 7516 pages, request by request: who gets the
// internal link, the own copy and the proof, and who gets "not found".
func TestProofAndCopyGuards(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	colleague, err := se.w.Store.CreateUser(ctx, db.NewUser{OrgID: se.w.Org.ID, Email: "collega@zkh.example", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	se.setPassword(t, colleague)
	other, err := se.w.Store.CreateUser(ctx, db.NewUser{OrgID: se.w.Org.ID, Email: "ander@zkh.example", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	se.setPassword(t, other)
	held, _ := se.heldDraft(t) // before the patient's number is known
	se.w.AddPhone(t, "patient@example.com", "+31612345678")
	m, rs := se.report(t, "patient@example.com", "collega@zkh.example")
	patient, internal := rs[0], rs[1]

	anonymous := se.browser(t)
	p := anonymous.get(se.w.Path(internal))
	if want := "/signin?next=" + url.QueryEscape(se.w.Path(internal)+"/read"); p.status != http.StatusSeeOther || p.location != want {
		t.Errorf("the internal link, signed out: %d to %q, want %q", p.status, p.location, want)
	}
	if p := anonymous.get(se.w.Path(patient) + "/message.eml"); p.status != http.StatusSeeOther || p.location != se.w.Path(patient) {
		t.Errorf("a copy without a session: %d to %q", p.status, p.location)
	}
	if p := anonymous.get("/messages/" + m.UID + "/proof.pdf"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/signin") {
		t.Errorf("a proof signed out: %d to %q", p.status, p.location)
	}

	reader := se.browser(t)
	reader.signInNext(colleague.Email, senderPassword, se.w.Path(internal)+"/read")
	if p := reader.get(se.w.Path(internal) + "/message.eml"); p.status != http.StatusOK || !strings.Contains(p.body, "Subject: Uitslag onderzoek") {
		t.Errorf("the internal reader's copy: %d", p.status)
	}
	if p := reader.get(se.w.Path(patient) + "/read"); p.status != http.StatusSeeOther || p.location != se.w.Path(patient) {
		t.Errorf("the colleague on the patient's link: %d to %q", p.status, p.location)
	}
	if p := reader.get("/messages/" + m.UID + "/proof"); p.status != http.StatusNotFound {
		t.Errorf("a colleague's proof: %d", p.status)
	}

	stranger := se.browser(t)
	stranger.signIn(other.Email, senderPassword, "/messages")
	for _, path := range []string{se.w.Path(internal), se.w.Path(internal) + "/read", se.w.Path(internal) + "/message.eml"} {
		if p := stranger.get(path); p.status != http.StatusNotFound || strings.Contains(p.body, "uitslag") {
			t.Errorf("another user on %s: %d", path, p.status)
		}
	}

	sender := se.browser(t)
	sender.signIn(se.w.Sender.Email, senderPassword, "/messages")
	mustContain(t, "the proof", sender.get("/messages/"+m.UID+"/proof"), http.StatusOK, "patient@example.com", "collega@zkh.example", m.RawSHA256)
	if p := sender.get("/messages/" + m.UID + "/proof.pdf"); p.status != http.StatusOK || p.header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(p.body, "%PDF-") {
		t.Errorf("the PDF: %d %q", p.status, p.header.Get("Content-Type"))
	}
	fr := sender.get("/messages/" + m.UID + "/proof.pdf?lang=fr")
	text, pages, err := testworld.PDFText([]byte(fr.body))
	if err != nil || pages != 1 {
		t.Fatalf("the French PDF: %d pages (%v)", pages, err)
	}
	for _, want := range []string{"Preuve de remise", "Accepté par Sluis", "Expéditeur", "patient@example.com", "collega@zkh.example", "À, code SMS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the French PDF lacks %q in:\n%s", want, text)
		}
	}
	if p := sender.get("/messages/" + m.UID + "/proof.json"); p.status != http.StatusOK || !strings.Contains(p.body, `"sha256": "`+m.RawSHA256+`"`) {
		t.Errorf("the JSON: %d %s", p.status, p.body)
	}
	if p := sender.get("/messages/" + held.UID + "/proof"); p.status != http.StatusNotFound {
		t.Errorf("a held draft's proof: %d", p.status)
	}
	if evs := se.auditKinds(t, se.w.Org.ID, "recipient.copy"); len(evs) != 1 || !strings.HasPrefix(evs[0].Actor, "user:") {
		t.Errorf("the internal reader's copy in the audit log: %+v", evs)
	}
}
