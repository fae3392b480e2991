package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"sluis/db"
	"sluis/portal/i18n"
	"sluis/portal/mailer"
)

// mailView is what a mail template sees. Data fills the translations'
// placeholders; t translates a key with Data.
type mailView struct {
	Lang       string
	URL        string
	Verify     string
	Recipients []heldRecipient
	Lines      []LineProblem
	Data       map[string]any
	Look       mailLook
}

// mailLook is the organisation's look as its mail shows it: the name and
// support line, the accent of the buttons, and a PNG logo (mail programs
// do not all draw SVG) by its absolute URL.
type mailLook struct {
	Name, Support, Accent, Logo string
}

// defaultAccent is the portal's own colour, for an organisation without one.
const defaultAccent = "#0b5cad"

// look loads the organisation's look for its mail.
func (s *Service) look(ctx context.Context, orgID int64) (mailLook, error) {
	l, err := s.opt.Store.OrgBrand(ctx, orgID)
	if err != nil {
		return mailLook{}, err
	}
	m := mailLook{Name: l.DisplayName, Support: l.SupportLine, Accent: l.Accent}
	if m.Accent == "" {
		m.Accent = defaultAccent
	}
	if l.LogoType == "image/png" && l.Token != "" {
		m.Logo = s.opt.BaseURL + "/look/" + l.Token + "/logo"
	}
	return m, nil
}

type heldRecipient struct{ Address, Reason string }

// render executes the text and HTML templates of one mail kind, in the
// look of the organisation orgID, which it leaves in v.Look.
func (s *Service) render(ctx context.Context, orgID int64, kind string, v *mailView) (text, html string, err error) {
	if v.Look, err = s.look(ctx, orgID); err != nil {
		return "", "", err
	}
	return s.mail.Render(kind, func(key string) string { return s.opt.Text.T(v.Lang, key, v.Data) }, *v)
}

// people loads the organisation and the sender of a message.
func (s *Service) people(ctx context.Context, msg db.Message) (db.Org, db.User, error) {
	org, err := s.opt.Store.Org(ctx, msg.OrgID)
	if err != nil {
		return db.Org{}, db.User{}, err
	}
	sender, err := s.opt.Store.User(ctx, msg.OrgID, msg.SenderID)
	return org, sender, err
}

// about is what a sender's mail about one of their recipients tells:
// the message, its organisation and sender, and its subject opened.
type about struct {
	msg     db.Message
	org     db.Org
	sender  db.User
	subject string
}

// aboutRecipient loads a recipient and what a mail to their sender about
// them needs (the "reply received", "locked" and "not my number" mails).
func (s *Service) aboutRecipient(ctx context.Context, orgID, recipientID int64) (db.Recipient, about, error) {
	rc, err := s.opt.Store.Recipient(ctx, orgID, recipientID)
	if err != nil {
		return db.Recipient{}, about{}, err
	}
	msg, err := s.opt.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		return db.Recipient{}, about{}, err
	}
	org, sender, err := s.people(ctx, msg)
	if err != nil {
		return db.Recipient{}, about{}, err
	}
	subject, err := s.subject(msg)
	return rc, about{msg: msg, org: org, sender: sender, subject: subject}, err
}

func senderName(u db.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}

// recipientMail is a recipient's notification: who sent it, the link,
// how they will verify. It never carries the subject or the content.
func (s *Service) recipientMail(ctx context.Context, msg db.Message, rc db.Recipient) (*mailer.Message, error) {
	org, sender, err := s.people(ctx, msg)
	if err != nil {
		return nil, err
	}
	return s.recipientMailFrom(ctx, org, sender, msg, rc)
}

// recipientMailFrom is recipientMail with the organisation and sender
// already read (a message's notification job reads them once for all).
func (s *Service) recipientMailFrom(ctx context.Context, org db.Org, sender db.User, msg db.Message, rc db.Recipient) (*mailer.Message, error) {
	lang := org.Language
	if rc.Internal {
		if u, err := s.opt.Store.UserByAddress(ctx, rc.Address); err == nil && u.OrgID == org.ID {
			lang = u.Language
		}
	}
	v := mailView{Lang: lang, URL: s.RecipientURL(rc.LinkNonce), Data: map[string]any{
		"Sender": senderName(sender), "SenderAddress": sender.Email, "Org": org.Name,
		"Phone": rc.Display, "Expires": formatDate(msg.ExpiresAt, lang)}}
	v.Verify = s.opt.Text.T(lang, "mail.notify.verify_"+rc.Method, v.Data)
	text, html, err := s.render(ctx, org.ID, "notify", &v)
	if err != nil {
		return nil, err
	}
	return &mailer.Message{
		From:    mailer.Address{Name: senderName(sender) + " (" + v.Look.Name + ")", Addr: s.opt.MailFrom},
		To:      []mailer.Address{{Addr: rc.Address}},
		Subject: s.opt.Text.T(lang, "mail.notify.subject", v.Data),
		Text:    text, HTML: html, Lang: lang,
		Headers: map[string]string{"X-Sluis-Kind": "notification"},
	}, nil
}

// heldMail tells the sender, in their language, which recipients lack data
// and why, which control-block lines failed, and where to finish sending.
func (s *Service) heldMail(ctx context.Context, msg db.Message) (*mailer.Message, error) {
	org, sender, err := s.people(ctx, msg)
	if err != nil {
		return nil, err
	}
	subject, err := s.subject(msg)
	if err != nil {
		return nil, err
	}
	rcpts, err := s.opt.Store.Recipients(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return nil, err
	}
	lang := sender.Language
	v := mailView{Lang: lang, URL: s.DraftURL(msg.UID), Data: map[string]any{
		"Subject": oneLine(subject), "Org": org.Name, "Expires": formatDate(msg.ExpiresAt, lang)}}
	for _, rc := range rcpts {
		if rc.Problem != "" {
			v.Recipients = append(v.Recipients, heldRecipient{rc.Address, s.opt.Text.T(lang, "problem."+rc.Problem, nil)})
		}
	}
	if msg.Problems != "" {
		if err := json.Unmarshal([]byte(msg.Problems), &v.Lines); err != nil {
			return nil, errors.Join(errors.New("reading control-block problems"), err)
		}
		for i := range v.Lines {
			v.Lines[i].Reason = s.opt.Text.T(lang, "reason."+v.Lines[i].Reason, nil)
		}
	}
	text, html, err := s.render(ctx, org.ID, "held", &v)
	if err != nil {
		return nil, err
	}
	return &mailer.Message{
		From:    mailer.Address{Name: "Sluis (" + org.Name + ")", Addr: s.opt.MailFrom},
		To:      []mailer.Address{{Name: sender.DisplayName, Addr: sender.Email}},
		Subject: s.opt.Text.T(lang, "mail.held.subject", v.Data),
		Text:    text, HTML: html, Lang: lang,
		Headers: map[string]string{"X-Sluis-Kind": "held"},
	}, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

// formatDate writes a day the way each language does.
func formatDate(t time.Time, lang string) string { return i18n.Date(lang, t) }
