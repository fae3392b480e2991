package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/look"
	"sluis/portal/mime"
)

// The demo's recipients: one verifies by SMS (the address book has her
// number), one by the organisation-wide access code of partner.test, and
// one is unknown, so that the message to him is held for the sender.
const (
	demoSMSRecipient  = "alice@patient.test"
	demoCodeRecipient = "zorg@partner.test"
	demoAccessCode    = "partner-2026"
	demoHeldRecipient = "carol@nieuw.test"
)

// demoWay is what the demo prints: per role, the link to open.
type demoWay struct {
	smsLink, codeLink, draftLink string
	mailFile                     string // a ready mail for curl to send
}

// seedDemoWay gives the demo organisation its look and puts a message in
// front of each kind of recipient, through the same Submit the SMTP
// intake calls, so that links, notifications and the draft are real.
func seedDemoWay(ctx context.Context, p *parts, dataDir string) (demoWay, error) {
	var way demoWay
	sender, err := p.store.UserByAddress(ctx, demoSender)
	if err != nil {
		return way, err
	}
	if err := look.Save(ctx, p.store, sender.OrgID, db.AuditEvent{Actor: "demo", Kind: "look.change"}, look.Change{
		DisplayName: demoOrgName, SupportLine: "Vragen? Bel 020 123 45 67 of mail naar privacy@" + demoDomain + ".",
		Accent: "#1d5e8c", Logo: []byte(demoLogo)}); err != nil {
		return way, fmt.Errorf("the demo's look: %w", err)
	}
	msgs := []struct {
		to      []string
		subject string
		link    *string
	}{
		{[]string{demoSMSRecipient}, "Uw afspraak op 3 december", &way.smsLink},
		{[]string{demoCodeRecipient}, "Verwijzing voor mevrouw De Vries", &way.codeLink},
		{[]string{demoSMSRecipient, demoHeldRecipient}, "Verslag van het overleg", &way.draftLink},
	}
	for _, m := range msgs {
		msg, err := submitDemo(ctx, p.delivery, p.store, sender, m.to, m.subject)
		if err != nil {
			return way, err
		}
		if msg.State == db.StateHeld {
			*m.link = p.delivery.DraftURL(msg.UID)
			continue
		}
		rcpts, err := p.store.Recipients(ctx, msg.OrgID, msg.ID)
		if err != nil || len(rcpts) != 1 {
			return way, errors.Join(fmt.Errorf("the demo message %q has %d recipients", m.subject, len(rcpts)), err)
		}
		*m.link = p.delivery.RecipientURL(rcpts[0].LinkNonce)
	}
	way.mailFile = filepath.Join(dataDir, "demo-mail.eml")
	return way, os.WriteFile(way.mailFile, []byte(demoMail), 0o600)
}

// submitDemo submits one message from the demo sender and returns it.
func submitDemo(ctx context.Context, d *delivery.Service, s *db.Store, sender db.User, to []string, subject string) (db.Message, error) {
	m := &mime.Message{Subject: subject, From: mime.Address{Name: sender.DisplayName, Addr: sender.Email},
		Text: "Goedemiddag,\n\nHierbij het bericht waar u om vroeg. Dit is een voorbeeld uit de demo van Sluis.\n\nMet vriendelijke groet,\nJan Jansen",
		HTML: "<p>Goedemiddag,</p><p>Hierbij het bericht waar u om vroeg. Dit is een <strong>voorbeeld</strong> uit de demo van Sluis.</p><p>Met vriendelijke groet,<br>Jan Jansen</p>"}
	for _, a := range to {
		m.To = append(m.To, mime.Address{Addr: a})
	}
	if err := d.Submit(ctx, &delivery.Incoming{User: sender, Rcpts: to, Message: m}); err != nil {
		return db.Message{}, fmt.Errorf("the demo message %q: %w", subject, err)
	}
	latest, err := s.SentMessages(ctx, sender.OrgID, sender.ID, db.SentQuery{Limit: 1})
	if err != nil || len(latest) == 0 {
		return db.Message{}, errors.Join(fmt.Errorf("the demo message %q was not stored", subject), err)
	}
	return latest[0], nil
}

// demoMail is the mail the printed curl command sends.
const demoMail = "From: Jan Jansen <" + demoSender + ">\r\n" +
	"To: Alice de Vries <" + demoSMSRecipient + ">\r\n" +
	"Subject: Mijn eerste beveiligde bericht\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Dag Alice,\r\n\r\nDit bericht ging met curl door de SMTP-ingang van Sluis.\r\n\r\nJan\r\n"

// demoLogo is the demo organisation's logo: a canal lock, drawn.
const demoLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" width="48" height="48">` +
	`<title>Gemeente Voorbeeld</title><rect width="48" height="48" rx="8" fill="#1d5e8c"/>` +
	`<path d="M10 14h6v20h-6zM32 14h6v20h-6z" fill="#ffffff"/><path d="M16 28h16v6H16z" fill="#9cc3e0"/></svg>`
