package verify

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"sluis/db"
	"sluis/portal/mailer"
)

// Codes by mail (method 'mail'): the answer to a message written on the
// secure channel goes to the address the writer proved, and that address
// is all Sluis knows of them. The code goes to the same mailbox as the
// link, so it proves what the writer proved on the channel's page: control
// of the mailbox. It counts against every limit of an SMS code except the
// organisation's daily text cap, which exists to cap what texts cost.

// mailCode mails code to the recipient's own address, synchronously like
// a text; a failure of the relay is logged (address masked) and becomes
// ErrSendFailed, so the caller withdraws the code.
func (s *Service) mailCode(ctx context.Context, rc db.Recipient, lang, code string) error {
	if s.opt.Mail == nil {
		s.opt.Logger.Error("a code by mail was asked for, but no mail sender is wired", "recipient_id", rc.ID)
		return ErrSendFailed
	}
	org, err := s.opt.Store.Org(ctx, rc.OrgID)
	if err != nil {
		return err
	}
	if lang == "" {
		lang = org.Language
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	data := map[string]any{"Code": code, "Minutes": int(s.lim.CodeTTL / time.Minute), "Org": org.Name}
	res, err := s.opt.Mail.Send(ctx, &mailer.Message{
		From:    mailer.Address{Name: org.Name, Addr: s.opt.MailFrom},
		To:      []mailer.Address{{Addr: rc.Address}},
		Subject: s.opt.Text.T(lang, "mail.code.subject", data),
		Text:    s.opt.Text.T(lang, "mail.code.text", data),
		Lang:    lang,
		Headers: map[string]string{"X-Sluis-Kind": "code"},
	})
	if err == nil && len(res.Rejected) > 0 {
		err = errors.New("the relay refused the recipient")
	}
	if err != nil {
		s.opt.Logger.Warn("the relay did not take a code", "recipient_id", rc.ID, "to", MaskAddress(rc.Address),
			"temporary", mailer.IsTemporary(err), "err", err)
		return ErrSendFailed
	}
	return nil
}

// MaskAddress shows an address as its owner would recognise it without
// spelling it out: the first character of the local part, then dots, then
// the domain ("j●●●@example.com").
func MaskAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "●●●"
	}
	first, _ := utf8.DecodeRuneInString(addr)
	return string(first) + "●●●" + addr[at:]
}
