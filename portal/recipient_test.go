package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/delivery"
)

func TestLandingChangesNothing(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	b := re.browser(t)
	p := b.get(re.w.Path(rc))
	mustContain(t, "landing", p, http.StatusOK, "Dr. Anna Arts", "Ziekenhuis Oost", "&#43;31 6 ●●●● ●●78", "Send me a code",
		`action="`+re.w.Path(rc)+`/code"`)
	mustLack(t, "landing", p, "Uitslag onderzoek", "mevrouw Jansen", "uitslag")
	if re.w.Texts.Count() != 0 {
		t.Error("a GET sent a text")
	}
	if got, _ := re.w.Store.Recipient(context.Background(), rc.OrgID, rc.ID); got.Status != rc.Status {
		t.Errorf("a GET changed the status to %s", got.Status)
	}
	if h := p.header.Get("Referrer-Policy"); h != "no-referrer" {
		t.Errorf("Referrer-Policy %q", h)
	}
}

// TestNeutralPage: unknown, malformed, held, withdrawn and expired links
// get the same answer.
func TestNeutralPage(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	re.w.AddPhone(t, "later@example.com", "+31612345670")
	_, revoked := re.report(t, "later@example.com")
	if _, err := re.w.Store.DB().Exec(`UPDATE messages SET state = 'revoked' WHERE id = ?`, revoked[0].MessageID); err != nil {
		t.Fatal(err)
	}
	_, held := re.report(t, "nobody@unknown.example")
	b := re.browser(t)
	links := map[string]string{
		"unknown":   "/m/" + strings.Repeat("A", tokenLen),
		"malformed": "/m/short",
		"held":      re.w.Path(held[0]),
		"revoked":   re.w.Path(revoked[0]),
	}
	for name, link := range links {
		p := b.get(link)
		mustContain(t, name, p, http.StatusNotFound, "<h1>This link does not work</h1>")
		mustLack(t, name, p, "Dr. Anna Arts", "Uitslag")
	}
	re.w.Clock.Advance(31 * 24 * time.Hour)
	mustContain(t, "expired", b.get(re.w.Path(rc)), http.StatusNotFound, "<h1>This link does not work</h1>")
	b.get("/signin") // a page with a form, for the CSRF token
	mustContain(t, "POST to an unknown link", b.post(links["unknown"]+"/code", nil), http.StatusNotFound)
}

func TestSMSCodeWayThrough(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	b := re.browser(t)
	b.get(link)
	p := b.post(link+"/code", nil)
	if p.status != http.StatusSeeOther || re.w.Texts.Count() != 1 {
		t.Fatalf("send: %d, %d texts", p.status, re.w.Texts.Count())
	}
	p = b.get(link)
	mustContain(t, "code form", p, http.StatusOK, `autocomplete="one-time-code"`, `inputmode="numeric"`, `<label for="code">`,
		"5 attempts left for this code.", "Send a new code", "You can ask for a new code in 1 min.")
	code := re.w.Texts.LastCode(rc.Phone)
	p = b.post(link+"/check", url.Values{"code": {wrongCode(code)}})
	mustContain(t, "wrong code", p, http.StatusUnprocessableEntity, "This code is not right.", `aria-invalid="true"`,
		`aria-describedby="code-error code-help"`, `<a href="#code">`, `role="alert"`, "4 attempts left for this code.")
	p = b.post(link+"/check", url.Values{"code": {"12a"}})
	mustContain(t, "malformed", p, http.StatusUnprocessableEntity, "Type the 6 digits", "4 attempts left")
	p = b.post(link+"/check", url.Values{"code": {code}})
	if p.location != link+"/read" {
		t.Fatalf("right code: %d to %q", p.status, p.location)
	}
	ck := findCookie(p.cookies, recipientCookie)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != link || ck.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, Lax, on %s (not Secure on plain localhost)", ck, link)
	}
	p = b.get(link + "/read")
	mustContain(t, "message", p, http.StatusOK, "Uitslag onderzoek", "patient@example.com",
		"collega@partner.example", `src="`+link+`/body"`, "1 image from the internet was not loaded", "page.html", "Reply securely")
	mustLack(t, "message", p, "tracker.example", "alert(")
	p = b.get(link + "/body")
	mustContain(t, "message body", p, http.StatusOK, "<b>de uitslag</b>", `src="inline/0"`)
	mustLack(t, "message body", p, "tracker.example", "alert(")
	if got, _ := re.w.Store.Recipient(context.Background(), rc.OrgID, rc.ID); got.Status != db.StatusOpened {
		t.Errorf("status %s, want opened", got.Status)
	}
	if p := b.get(link); p.location != link+"/read" {
		t.Errorf("the landing with a session goes to %q", p.location)
	}
	p = b.get(link + "/read?images=1")
	mustContain(t, "images shown", p, http.StatusOK, `src="`+link+`/body?images=1"`)
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || !strings.Contains(csp, "script-src 'nonce-") {
		t.Errorf("page CSP with images: %s", csp)
	}
	p = b.get(link + "/body?images=1")
	mustContain(t, "images shown", p, http.StatusOK, `src="https://tracker.example/pixel.gif"`)
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https: http:") || strings.Contains(csp, "script-src") {
		t.Errorf("body CSP with images: %s", csp)
	}
	b.post(link+"/close", nil)
	if p := b.get(link + "/read"); p.location != link {
		t.Errorf("after closing, /read goes to %q", p.location)
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func findCookie(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLimitsShownToThePerson(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	b := re.browser(t)
	b.get(link)
	b.post(link+"/code", nil)
	re.w.Clock.Advance(20 * time.Second)
	p := b.post(link+"/code", nil)
	mustContain(t, "resend at once", p, http.StatusTooManyRequests, "You can ask for a new code in 40 s.", `<a href="#send">`)
	re.w.Texts.SetFail(true)
	re.w.Clock.Advance(time.Minute)
	p = b.post(link+"/code", nil)
	mustContain(t, "gateway down", p, http.StatusServiceUnavailable, "We could not send the text message. Please try again.")
	re.w.Texts.SetFail(false)
	re.w.Clock.Advance(time.Hour)
	var last page
	for round := 0; round < 4; round++ {
		re.w.Clock.Advance(time.Minute)
		b.post(link+"/code", nil)
		code := re.w.Texts.LastCode(rc.Phone)
		for i := 0; i < 5; i++ {
			last = b.post(link+"/check", url.Values{"code": {wrongCode(code)}})
			if round == 3 && i == 0 {
				mustContain(t, "near the lock", last, http.StatusUnprocessableEntity, "After 4 more wrong entries your access will be locked.")
			}
		}
	}
	mustContain(t, "locked", last, http.StatusForbidden, "Access locked", "The sender has been told.")
	mustContain(t, "locked landing", b.get(link), http.StatusOK, "Access locked")
	if ev := re.w.Jobs.SenderEvents(); len(ev) != 1 || ev[0] != delivery.EventLocked {
		t.Errorf("sender events %v", ev)
	}
}

func TestAccessCodeWayThrough(t *testing.T) {
	re := newRecipientEnv(t, nil)
	re.w.AddAccessCode(t, "kantoor.example", "Tulp-4471", "the flower and the year")
	_, rs := re.report(t, "advocaat@kantoor.example")
	link := re.w.Path(rs[0])
	b := re.browser(t)
	p := b.get(link)
	mustContain(t, "access form", p, http.StatusOK, `<label for="access_code">`, "Hint: the flower and the year",
		"I don&#39;t remember the access code")
	p = b.post(link+"/access", url.Values{"access_code": {"tulp"}})
	mustContain(t, "wrong access code", p, http.StatusUnprocessableEntity, "This code is not right.", `<a href="#access_code">`)
	p = b.post(link+"/forgot", nil)
	mustContain(t, "forgot", p, http.StatusOK, "We told the sender that you do not have the access code.")
	p = b.post(link+"/forgot", nil)
	mustContain(t, "forgot again", p, http.StatusTooManyRequests, "We told the sender a short while ago.")
	if p = b.post(link+"/access", url.Values{"access_code": {"Tulp-4471"}}); p.location != link+"/read" {
		t.Fatalf("right access code: %d to %q", p.status, p.location)
	}
	mustContain(t, "message", b.get(link+"/read"), http.StatusOK, "Uitslag onderzoek")
	if p := b.post(link+"/code", nil); p.location != link+"/read" {
		t.Errorf("a verified recipient asking a code: %d %q", p.status, p.location)
	}
}

// TestSessionOpensOnlyItsRecipient: the patient's session, sent with the
// colleague's link, opens nothing.
func TestSessionOpensOnlyItsRecipient(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	_, rs := re.w.Latest(t)
	other := re.w.Path(rs[1])
	b := re.browser(t)
	b.verifyBySMS(rc)
	token, err := re.v.StartSession(context.Background(), rc)
	if err != nil {
		t.Fatal(err)
	}
	stolen := &http.Cookie{Name: recipientCookie, Value: token}
	for _, path := range []string{"/read", "/files/1", "/inline/0", "/reply"} {
		rec := re.do(scenario{target: other + path, cookies: []*http.Cookie{stolen}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != other {
			t.Errorf("%s with another recipient's session: %d to %q", path, rec.Code, rec.Header().Get("Location"))
		}
	}
}

func TestWithdrawnMessageShowsNothingToASession(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	b := re.browser(t)
	b.verifyBySMS(rc)
	if _, err := re.w.Store.DB().Exec(`UPDATE messages SET state = 'revoked' WHERE id = ?`, rc.MessageID); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", "/read", "/files/1", "/reply"} {
		p := b.get(link + path)
		mustContain(t, "revoked "+path, p, http.StatusGone, "Message withdrawn")
		mustLack(t, "revoked "+path, p, "Uitslag", "Jansen", "%PDF")
	}
	if _, err := re.w.Store.DB().Exec(`UPDATE messages SET state = 'released' WHERE id = ?`, rc.MessageID); err != nil {
		t.Fatal(err)
	}
	past := re.w.Clock.Now().Add(-time.Minute).UnixMicro()
	if _, err := re.w.Store.DB().Exec(`UPDATE messages SET state = 'released', expires_at = ? WHERE id = ?`, past, rc.MessageID); err != nil {
		t.Fatal(err)
	}
	p := b.get(link + "/read")
	mustContain(t, "expired", p, http.StatusGone, "Message expired")
	mustLack(t, "expired", p, "Uitslag", "Jansen")
}

func TestAttachments(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	b := re.browser(t)
	b.verifyBySMS(rc)
	pdf := b.get(link + "/files/1")
	if !strings.HasPrefix(pdf.body, "%PDF-1.4") || pdf.header.Get("Content-Type") != "application/pdf" ||
		pdf.header.Get("Content-Disposition") != `attachment; filename="uitslag r_ntgen _def_.pdf"; filename*=UTF-8''uitslag%20r%C3%B6ntgen%20%22def%22.pdf` ||
		pdf.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("pdf: %d %v", pdf.status, pdf.header)
	}
	page := b.get(link + "/files/2")
	if ct := page.header.Get("Content-Type"); ct != "application/octet-stream" || !strings.HasPrefix(page.header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("an HTML attachment came as %s, %s", ct, page.header.Get("Content-Disposition"))
	}
	img := b.get(link + "/inline/0")
	if img.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.body, "\x89PNG") {
		t.Errorf("inline image: %d %s", img.status, img.header.Get("Content-Type"))
	}
	mustContain(t, "an attachment as inline image", b.get(link+"/inline/1"), http.StatusNotFound)
	mustContain(t, "no such attachment", b.get(link+"/files/9"), http.StatusNotFound)
}

func TestLanguageSwitchOnRecipientPages(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	b := re.browser(t)
	mustContain(t, "nl", b.get(link+"?lang=nl"), http.StatusOK, `<html lang="nl">`, "Stuur mij een code", `href="?lang=fr"`)
	mustContain(t, "fr", b.get(link+"?lang=fr"), http.StatusOK, `<html lang="fr">`, "M’envoyer un code")
	if p := b.get(link + "/check?lang=en"); p.location != link {
		t.Errorf("switching language on a posted form: %d to %q", p.status, p.location)
	}
	mustContain(t, "en", b.get(link), http.StatusOK, `<html lang="en">`)
}

// TestRepairedMessageSaysSo: mail whose structure the parser had to
// repair is shown with what could be read and a calm note, and the
// sender's status page says so too.
func TestRepairedMessageSaysSo(t *testing.T) {
	se := newSenderEnv(t)
	se.w.AddPhone(t, "patient@example.com", "+31612345678")
	raw := "From: arts@zkh.example\r\nTo: patient@example.com\r\nSubject: Uitslag\r\n" +
		"Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\nUw uitslag is goed.\r\n"
	msg, rs := se.w.Submit(t, raw, "patient@example.com")
	if msg.Defects == "" {
		t.Fatal("a multipart whose boundary never appears was stored without a defect")
	}
	b := se.browser(t)
	b.verifyBySMS(rs[0])
	mustContain(t, "the repaired message", b.get(se.w.Path(rs[0])+"/read"), http.StatusOK,
		"Uw uitslag is goed.", "could not be shown as its sender")
	sb := se.browser(t)
	sb.signIn("arts@zkh.example", senderPassword, "/messages")
	mustContain(t, "the sender's status", sb.get("/messages/"+msg.UID), http.StatusOK, "could not be shown as your mail program intended")
}
