package delivery

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/look"
	"sluis/portal/mime"
)

// TestMailsCarryTheLook: the notification and the "not sent" mail show
// the organisation's name, support line, accent and PNG logo; without a
// look they show its name and the portal's own colour.
func TestMailsCarryTheLook(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "a@example.com", "+31612345678", "")
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"a@example.com"}, Message: &mime.Message{Subject: "s", Text: "t"}}); err != nil {
		t.Fatal(err)
	}
	m, rs := f.only(t)
	plain, err := f.svc.recipientMail(ctx, m, rs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain.Text, f.org.Name+"\n") || !strings.Contains(plain.HTML, "background:#0b5cad") {
		t.Errorf("without a look:\n%s\n%s", plain.Text, plain.HTML)
	}

	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	err = look.Save(ctx, f.store, f.org.ID, db.AuditEvent{Actor: "test"}, look.Change{DisplayName: "Ziekenhuis <Oost>",
		SupportLine: "Vragen? Bel 020 123 45 67", Accent: "#8a1c1c", Logo: logo.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.store.OrgLook(ctx, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	mail, err := f.svc.recipientMail(ctx, m, rs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"background:#8a1c1c", "Ziekenhuis &lt;Oost&gt;", "Vragen? Bel 020 123 45 67",
		`src="https://sluis.zkh.nl/look/` + l.Token + `/logo"`} {
		if !strings.Contains(mail.HTML, want) {
			t.Errorf("notification HTML lacks %q:\n%s", want, mail.HTML)
		}
	}
	if mail.From.Name != "Dr. Arts (Ziekenhuis <Oost>)" {
		t.Errorf("notification from %q", mail.From.Name)
	}
	if !strings.HasPrefix(mail.Text, "Ziekenhuis <Oost>\n") || !strings.Contains(mail.Text, "Vragen? Bel 020 123 45 67\n") {
		t.Errorf("notification text:\n%s", mail.Text)
	}
}
