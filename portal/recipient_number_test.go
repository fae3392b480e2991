package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/delivery"
)

func TestNotMyNumberOverHTTP(t *testing.T) {
	se := newSenderEnv(t)
	rc := se.smsRecipient(t)
	b := se.browser(t)
	link := se.w.Path(rc)
	p := b.get(link)
	mustContain(t, "landing", p, http.StatusOK, `action="`+link+`/number"`, "This is not my number any more", `name="note"`)

	// A note too long comes back beside its field, as typed.
	long := strings.Repeat("x", 501)
	p = b.post(link+"/number", url.Values{"note": {long}})
	mustContain(t, "too long", p, http.StatusUnprocessableEntity, `id="note-error"`, "The note is too long", ">"+long+"</textarea>",
		`href="#note"`)

	// The answer is the same the first time and the third (when the
	// sender is no longer mailed).
	var answers []string
	for range 3 {
		p = b.post(link+"/number", url.Values{"note": {"Mijn nieuwe nummer staat in het dossier."}})
		if p.location != link+"?number=told#number" {
			t.Fatalf("request: %d to %q", p.status, p.location)
		}
		answers = append(answers, mainOf(b.get(link+"?number=told").body))
	}
	if !strings.Contains(answers[0], "We told the sender") || answers[0] != answers[2] {
		t.Errorf("the answers differ or say nothing:\n%s\n---\n%s", answers[0], answers[2])
	}
	if n := se.jobs.count("notify_number"); n != delivery.DefaultNumberLimits.PerLink {
		t.Errorf("the sender was mailed %d times, want %d", n, delivery.DefaultNumberLimits.PerLink)
	}

	// The sender's page: theirs only.
	uid := latestRequestUID(t, se)
	other, _ := se.adminBrowser(t)
	if p := other.get("/requests/" + uid); p.status != http.StatusNotFound {
		t.Errorf("another user opens the request: %d", p.status)
	}
	sender := se.browser(t)
	sender.signIn(se.w.Sender.Email, senderPassword, "/messages")
	p = sender.get("/requests/" + uid)
	mustContain(t, "sender's page", p, http.StatusOK, rc.Address, "Mijn nieuwe nummer staat in het dossier.", `name="phone"`)
	mustLack(t, "sender's page", p, `value="org"`) // a sender without the admin role
	p = sender.post("/requests/"+uid, url.Values{"phone": {"020 123 4567"}, "save": {"personal"}})
	mustContain(t, "a landline", p, http.StatusUnprocessableEntity, `id="phone-error"`, `value="020 123 4567"`)
	p = sender.post("/requests/"+uid, url.Values{"phone": {"06 8765 4321"}, "save": {"personal"}})
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "done=number_changed") {
		t.Fatalf("answer: %d to %q", p.status, p.location)
	}
	mustContain(t, "after the answer", sender.get("/requests/"+uid), http.StatusOK, `id="request-done"`, "6 ●●●● ●●78")

	// The old link is gone; the fresh one shows the new number.
	if p := se.browser(t).get(link); strings.Contains(p.body, `id="send"`) {
		t.Error("the old link still works")
	}
	fresh, err := se.w.Store.Recipient(t.Context(), rc.OrgID, rc.ID)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "fresh link", se.browser(t).get(se.w.Path(fresh)), http.StatusOK, "6 ●●●● ●●21")
}

func latestRequestUID(t *testing.T, se *senderEnv) string {
	t.Helper()
	var uid string
	if err := se.w.Store.DB().QueryRowContext(t.Context(), `SELECT uid FROM number_requests ORDER BY id DESC LIMIT 1`).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	return uid
}

func TestNotMyNumberNetworkLimitOverHTTP(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	b := re.browser(t)
	link := re.w.Path(rc)
	b.get(link)
	for i := range delivery.DefaultNumberLimits.PerNetwork {
		if p := b.post(link+"/number", nil); p.status != http.StatusSeeOther {
			t.Fatalf("request %d: %d", i+1, p.status)
		}
	}
	p := b.post(link+"/number", url.Values{"note": {"nog eens"}})
	mustContain(t, "network limit", p, http.StatusTooManyRequests, "Too many requests came from your network", ">nog eens</textarea>")
	evs, err := re.w.Store.AuditEvents(t.Context(), re.w.Org.ID, db.AuditQuery{Kind: "number.request"})
	if err != nil || len(evs) != delivery.DefaultNumberLimits.PerNetwork+1 || evs[0].Outcome != db.OutcomeDenied {
		t.Errorf("audit: %d events, newest %+v (%v)", len(evs), evs[0], err)
	}
}
