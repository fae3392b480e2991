package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
)

// plainMail is a small message with a subject of the test's choosing.
func plainMail(subject, to string) string {
	return "From: arts@zkh.example\nTo: " + to + "\nSubject: " + subject + "\nMIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=utf-8\n\nBeste,\n\nZie bijlage.\n"
}

// TestMessagesListFiltersSearchesAndPages: the sender's list puts held
// drafts on top with "Finish sending", filters by state, finds messages
// by subject (sealed, matched after opening) and by recipient (in SQL),
// and pages 25 at a time.
func TestMessagesListFiltersSearchesAndPages(t *testing.T) {
	se := newSenderEnv(t)
	se.w.AddPhone(t, "patient@example.com", "+31612345678")
	se.w.AddPhone(t, "collega@partner.example", "+31612345679")
	held, _ := se.w.Submit(t, plainMail("Verwijzing cardiologie", "nieuw@example.org"), "nieuw@example.org")
	if held.State != db.StateHeld {
		t.Fatalf("the draft is %s", held.State)
	}
	xray, _ := se.w.Submit(t, plainMail("Röntgenfoto knie", "collega@partner.example"), "collega@partner.example")
	for i := range 25 {
		se.w.Submit(t, plainMail(fmt.Sprintf("Uitslag %02d", i), "patient@example.com"), "patient@example.com")
	}
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")

	p := b.get("/messages?lang=en")
	mustContain(t, "first page", p, http.StatusOK, "Waiting for you", `href="/drafts/`+held.UID+`"`, "Finish sending",
		"Uitslag 24", `rel="next"`, `class="chip chip-released"`)
	mustLack(t, "first page", p, "Röntgenfoto") // the 27th newest: on page 2
	p = b.get("/messages?page=2")
	mustContain(t, "second page", p, http.StatusOK, "Röntgenfoto knie", `rel="prev"`)
	mustLack(t, "second page", p, "Waiting for you", `rel="next"`)

	p = b.get("/messages?state=held")
	mustContain(t, "held", p, http.StatusOK, "Verwijzing cardiologie")
	mustLack(t, "held", p, "Uitslag 0", "Röntgenfoto")

	p = b.get("/messages?q=R%C3%96NTGEN") // subject, any case
	mustContain(t, "subject search", p, http.StatusOK, "Röntgenfoto knie", `href="/messages/`+xray.UID+`"`)
	mustLack(t, "subject search", p, "Uitslag 0", "Verwijzing")
	p = b.get("/messages?q=partner.example") // a recipient's address
	mustContain(t, "recipient search", p, http.StatusOK, "Röntgenfoto knie")
	mustLack(t, "recipient search", p, "Uitslag 0")
	p = b.get("/messages?state=revoked&q=Uitslag")
	mustContain(t, "nothing found", p, http.StatusOK, `id="no-messages"`)

	// Another sender of the organisation sees none of it.
	se.addUser(t, "ander@zkh.example", db.RoleSender)
	o := se.browser(t)
	o.signIn("ander@zkh.example", senderPassword, "/messages")
	mustLack(t, "another sender", o.get("/messages?q=example"), "Uitslag", "Röntgenfoto", "Verwijzing")
}

// TestRevokeNeedsConfirmation: nothing is preselected, one click (scope
// and time chosen) only shows "This cannot be undone", and only the
// second, confirmed post revokes.
func TestRevokeNeedsConfirmation(t *testing.T) {
	se := newSenderEnv(t)
	rc := se.smsRecipient(t)
	msg, _ := se.w.Latest(t)
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	p := b.get("/messages/" + msg.UID + "?lang=en")
	mustContain(t, "status page", p, http.StatusOK, `name="recipient" value="all">`, `name="when" value="now">`, `class="danger"`)
	mustLack(t, "status page", p, " checked>")

	path := "/messages/" + msg.UID + "/revoke"
	p = b.post(path, url.Values{"recipient": {"all"}})
	mustContain(t, "no time chosen", p, http.StatusUnprocessableEntity, "Choose when the message is revoked.", `role="alert"`,
		`name="recipient" value="all" checked>`)
	p = b.post(path, url.Values{"when": {"now"}})
	mustContain(t, "nobody chosen", p, http.StatusUnprocessableEntity, "Choose a recipient.")

	p = b.post(path, url.Values{"recipient": {"all"}, "when": {"now"}}) // the one click
	mustContain(t, "one click", p, http.StatusOK, "This cannot be undone", `name="confirm" value="yes"`, "All recipients")
	if m, err := se.w.Store.Message(context.Background(), se.w.Org.ID, msg.ID); err != nil || m.State != db.StateReleased {
		t.Fatalf("after one click the message is %s (%v)", m.State, err)
	}
	if rs, _ := se.w.Store.RecipientStatuses(context.Background(), se.w.Org.ID, msg.ID); !rs[0].RevokedAt.IsZero() {
		t.Fatal("one click revoked the recipient")
	}
	if evs := se.auditKinds(t, se.w.Org.ID, "message.revoke"); len(evs) != 0 {
		t.Fatalf("one click was audited as a revoke: %+v", evs)
	}

	p = b.post(path, url.Values{"recipient": {fmt.Sprint(rc.ID)}, "when": {"now"}, "confirm": {"yes"}})
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "done=revoked") {
		t.Fatalf("confirmed revoke: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	if rs, _ := se.w.Store.RecipientStatuses(context.Background(), se.w.Org.ID, msg.ID); rs[0].RevokedAt.IsZero() || !rs[1].RevokedAt.IsZero() {
		t.Errorf("after the confirmed revoke: %v, %v", rs[0].RevokedAt, rs[1].RevokedAt)
	}
}
