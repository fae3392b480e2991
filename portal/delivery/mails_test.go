package delivery

import (
	"strings"
	"testing"
	"time"

	"sluis/db"
)

// TestNotificationDateInEachLanguage: the notification says until when
// the message can be read in the organisation's language, with the month
// written out, on the day it is in Amsterdam (23:30 UTC on 29 November is
// already the 30th there).
func TestNotificationDateInEachLanguage(t *testing.T) {
	f := newFixture(t)
	expires := time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC)
	for lang, want := range map[string]string{
		"nl": "U kunt het bericht lezen tot 30 november 2026.",
		"fr": "Le message peut être lu jusqu’au 30 novembre 2026.",
		"en": "The message can be read until 30 November 2026.",
	} {
		org, err := f.store.CreateOrg(ctx, db.NewOrg{Name: "Org " + lang, Domains: []string{lang + ".example"}, Language: lang})
		if err != nil {
			t.Fatal(err)
		}
		sender, err := f.store.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: "arts@" + lang + ".example", Role: db.RoleSender})
		if err != nil {
			t.Fatal(err)
		}
		msg := db.Message{OrgID: org.ID, SenderID: sender.ID, ExpiresAt: expires}
		rc := db.Recipient{OrgID: org.ID, Address: "a@example.com", Method: "sms", Display: "+31 6 ●●●● ●●78", LinkNonce: "n"}
		mail, err := f.svc.recipientMail(ctx, msg, rc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(mail.Text, want) || !strings.Contains(mail.HTML, want) {
			t.Errorf("%s notification lacks %q:\n%s", lang, want, mail.Text)
		}
	}
}
