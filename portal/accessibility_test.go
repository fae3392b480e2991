package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccessibilityStatement: the statement in three languages, linked
// from the footer of every page; from a recipient's page it names that
// organisation and its support line, elsewhere the configured contact.
func TestAccessibilityStatement(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	for lang, words := range map[string][]string{
		"nl": {"Toegankelijkheidsverklaring", "WCAG) 2.1 niveau AA", "EN 301 549", "Wat nog niet voldoet", "30 november 2026"},
		"fr": {"Déclaration d’accessibilité", "EN 301 549", "Ce qui n’est pas encore conforme", "30 novembre 2026"},
		"en": {"Accessibility statement", "EN 301 549", "Known gaps", "30 November 2026"},
	} {
		mustContain(t, "statement "+lang, b.get("/accessibility?lang="+lang), http.StatusOK, words...)
	}
	for _, path := range []string{"/signin", "/about", "/accessibility"} {
		mustContain(t, "footer of "+path, b.get(path), http.StatusOK, `<a href="/accessibility">`)
	}

	admin, _ := se.adminBrowser(t)
	admin.get("/admin/look")
	admin.postLook(url.Values{"display_name": {"Ziekenhuis Oost"}, "support_line": {"Vragen? Bel 020 123 45 67"}}, "", nil)
	l, err := se.w.Store.OrgLook(context.Background(), se.w.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	rb := se.browser(t)
	landing := rb.get(se.w.Path(se.smsRecipient(t)) + "?lang=nl")
	mustContain(t, "recipient footer", landing, http.StatusOK, `href="/accessibility?look=`+l.Token+`"`)
	mustContain(t, "statement from a recipient's page", rb.get("/accessibility?look="+l.Token), http.StatusOK,
		"Ziekenhuis Oost gebruikt Sluis", "<strong>Vragen? Bel 020 123 45 67</strong>")
	p := rb.get("/accessibility?look=" + strings.Repeat("Z", 26))
	mustContain(t, "an unknown look", p, http.StatusOK, "Neem contact op met de organisatie die u het bericht stuurde")
}

// TestAccessibilityContactFlag: without an organisation, the configured
// contact is named.
func TestAccessibilityContactFlag(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AccessibilityContact = "toegankelijkheid@zkh.example" })
	rec := e.do(scenario{target: "/accessibility?lang=nl"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<strong>toegankelijkheid@zkh.example</strong>") {
		t.Errorf("%d\n%s", rec.Code, rec.Body.String())
	}
}
