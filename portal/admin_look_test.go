package portal

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
)

// postLook sends the look form with an optional logo, as the page does.
func (b *browser) postLook(fields url.Values, logoName string, logo []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if logo != nil {
		fw, err := mw.CreateFormFile("logo", logoName)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(logo)
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.re.srv.URL+"/admin/look", &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

const hostileLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10" fill="#0b5cad"/></svg>`

// TestLookRefusedKeepsWhatWasTyped: a pale accent is refused with its
// ratio, a file that is no image with its kind, and every typed value stays.
func TestLookRefusedKeepsWhatWasTyped(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := se.adminBrowser(t)
	b.get("/admin/look?lang=nl")
	p := b.postLook(url.Values{"display_name": {"Ziekenhuis Oost"}, "support_line": {"Vragen? Bel 020 123 45 67"},
		"accent": {"#ffcc00"}}, "logo.gif", []byte("GIF89a"))
	mustContain(t, "refused look", p, http.StatusUnprocessableEntity, "Er is niets opgeslagen",
		"het contrast met wit is 1.5:1", "minstens 4.5:1", "Kies een PNG- of SVG-bestand",
		`value="Ziekenhuis Oost"`, `value="Vragen? Bel 020 123 45 67"`, `value="#ffcc00"`, `aria-invalid="true"`, `href="#accent"`)
	if _, err := se.w.Store.OrgLook(context.Background(), se.w.Org.ID); err == nil {
		t.Error("a refused look was saved")
	}
	events := se.auditKinds(t, se.w.Org.ID, "look.change")
	if len(events) != 1 || events[0].Outcome != db.OutcomeFailed || events[0].Detail != "accent: accent_contrast; logo: logo_kind" {
		t.Errorf("refused change audited as %+v", events)
	}
}

// TestLookShowsOnRecipientPages: the saved look (sanitized SVG, accent,
// name, support line) reaches a recipient's page through our own routes,
// with the headers that keep the logo an image; the change is audited.
func TestLookShowsOnRecipientPages(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	b, admin := se.adminBrowser(t)
	b.get("/admin/look")
	p := b.postLook(url.Values{"display_name": {"Ziekenhuis Oost"}, "support_line": {"Questions? Call 020 123 45 67"},
		"accent": {"#0B5CAD"}}, "logo.svg", []byte(hostileLogo))
	if p.status != http.StatusSeeOther || p.location != "/admin/look?done=saved" {
		t.Fatalf("save: %d %s\n%s", p.status, p.location, mainOf(p.body))
	}
	l, err := se.w.Store.OrgLook(ctx, se.w.Org.ID)
	if err != nil || l.Accent != "#0b5cad" || l.LogoType != "image/svg+xml" || l.DisplayName != "Ziekenhuis Oost" {
		t.Fatalf("saved %+v, %v", l, err)
	}
	events := se.auditKinds(t, se.w.Org.ID, "look.change")
	if len(events) != 1 || events[0].ActorID != admin.ID || !strings.Contains(events[0].After, `accent="#0b5cad"`) ||
		!strings.Contains(events[0].After, "logo=image/svg+xml") || !strings.Contains(events[0].Before, "logo=none") {
		t.Errorf("audit events %+v", events)
	}

	rb := se.browser(t)
	rc := se.smsRecipient(t)
	landing := rb.get(se.w.Path(rc))
	mustContain(t, "recipient landing", landing, http.StatusOK, `<p class="org-name">Ziekenhuis Oost</p>`,
		"Questions? Call 020 123 45 67", `src="/look/`+l.Token+`/logo"`, `href="/look/`+l.Token+`/accent.css"`)
	if strings.Contains(landing.body, "style=") {
		t.Error("the look reached the page through a style attribute")
	}

	logo := rb.get("/look/" + l.Token + "/logo")
	if logo.status != http.StatusOK || logo.header.Get("Content-Type") != "image/svg+xml" ||
		logo.header.Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'" ||
		logo.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("logo: %d %v", logo.status, logo.header)
	}
	if strings.Contains(logo.body, "alert") || !strings.Contains(logo.body, `<rect width="10"`) {
		t.Errorf("served logo: %s", logo.body)
	}
	css := rb.get("/look/" + l.Token + "/accent.css")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.body, "--accent: #0b5cad;") {
		t.Errorf("accent stylesheet: %d %v %s", css.status, css.header, css.body)
	}
	if p := rb.get("/look/" + strings.Repeat("A", 26) + "/logo"); p.status != http.StatusNotFound {
		t.Errorf("an unknown token: %d", p.status)
	}

	// A second save without a file keeps the logo under a new token.
	b.get("/admin/look")
	b.postLook(url.Values{"display_name": {"Ziekenhuis Oost"}, "accent": {""}}, "", nil)
	l2, err := se.w.Store.OrgLook(ctx, se.w.Org.ID)
	if err != nil || l2.Token == l.Token || l2.LogoType != "image/svg+xml" || l2.Accent != "" {
		t.Errorf("after a save without a file: %+v, %v", l2, err)
	}
	if p := rb.get("/look/" + l.Token + "/logo"); p.status != http.StatusNotFound {
		t.Errorf("the old token still serves: %d", p.status)
	}
}

// TestLookIsPerOrganisation: another organisation's recipients do not see
// this look, and its admin page shows its own.
func TestLookIsPerOrganisation(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	other, err := se.w.Store.CreateOrg(ctx, db.NewOrg{Name: "Elders", Domains: []string{"elders.example"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := se.adminBrowser(t)
	b.get("/admin/look")
	b.postLook(url.Values{"display_name": {"Ziekenhuis Oost"}}, "", nil)
	brand, err := se.w.Store.OrgBrand(ctx, other.ID)
	if err != nil || brand.DisplayName != "Elders" || brand.Token != "" {
		t.Errorf("the other organisation's brand: %+v, %v", brand, err)
	}
}
