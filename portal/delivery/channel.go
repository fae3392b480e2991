package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sluis/db"
)

// The secure channel into an organisation (NTA 7516), the citizen's side:
// a public page at <base-url>/to/<domain> where anyone proves their own
// address with a code mailed to it and then writes a secure message with
// files to the organisation (channel_code.go, channel_message.go). The
// organisation's secure inbox is told by mail and reads it after signing
// in.
//
// Abuse: the page is open to anyone, so everything it costs the
// organisation is limited — code mails per address, per network and per
// organisation and day, wrong entries per code, messages per address and
// per network — and the answers never depend on whether an address is a
// user, a contact or has mail.

// ChannelLimits bound the public page.
type ChannelLimits struct {
	CodeTTL         time.Duration // how long a mailed code is valid (10 minutes)
	CodeTries       int           // wrong entries that void a code (5)
	Resend          time.Duration // least time between two codes of a writer (60 seconds)
	CodesPerAddress int           // codes to one address per hour, per organisation (5)
	CodesPerNetwork int           // codes asked from one network per hour, per organisation (20)
	CodesDaily      int           // code mails of an organisation per UTC day (500)
	Start           time.Duration // how long an unverified writer may take (30 minutes)
	Session         time.Duration // how long a verified writer may write (60 minutes)
	PerAddress      int           // messages of one address per MessageWindow (5)
	PerNetwork      int           // messages of one network per MessageWindow (20)
	MessageWindow   time.Duration // (1 hour)
}

// DefaultChannelLimits are the limits unless Options say otherwise.
var DefaultChannelLimits = ChannelLimits{CodeTTL: 10 * time.Minute, CodeTries: 5, Resend: time.Minute, CodesPerAddress: 5,
	CodesPerNetwork: 20, CodesDaily: 500, Start: 30 * time.Minute, Session: time.Hour, PerAddress: 5, PerNetwork: 20,
	MessageWindow: time.Hour}

func (s *Service) channelLimits() ChannelLimits {
	l, d := s.opt.ChannelLimits, DefaultChannelLimits
	orDefault(&l.CodeTTL, d.CodeTTL)
	orDefault(&l.Resend, d.Resend)
	orDefault(&l.Start, d.Start)
	orDefault(&l.Session, d.Session)
	orDefault(&l.MessageWindow, d.MessageWindow)
	orDefault(&l.CodeTries, d.CodeTries)
	orDefault(&l.CodesPerAddress, d.CodesPerAddress)
	orDefault(&l.CodesPerNetwork, d.CodesPerNetwork)
	orDefault(&l.CodesDaily, d.CodesDaily)
	orDefault(&l.PerAddress, d.PerAddress)
	orDefault(&l.PerNetwork, d.PerNetwork)
	return l
}

// orDefault sets *v to def unless it is positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// ChannelPage is what the public page shows: whose page it is and its settings.
type ChannelPage struct {
	Org      db.Org
	Settings db.ChannelSettings
}

// Intro is the page's intro text in lang, "" when the admins set none.
func (p ChannelPage) Intro(lang string) string { return p.Settings.Intro[lang] }

// ChannelPage finds the organisation whose mail domain is domain and its
// page's settings. An unknown domain and a page turned off are alike
// db.ErrNotFound: the public cannot tell them apart.
func (s *Service) ChannelPage(ctx context.Context, domain string) (ChannelPage, error) {
	org, err := s.opt.Store.OrgByDomain(ctx, domain)
	var inv *db.InvalidError
	if errors.As(err, &inv) {
		return ChannelPage{}, fmt.Errorf("channel page %q: %w", domain, db.ErrNotFound)
	}
	if err != nil {
		return ChannelPage{}, err
	}
	cs, err := s.opt.Store.ChannelSettings(ctx, org.ID)
	if err != nil {
		return ChannelPage{}, err
	}
	if !cs.Enabled {
		return ChannelPage{}, fmt.Errorf("channel page of organisation %d is off: %w", org.ID, db.ErrNotFound)
	}
	return ChannelPage{Org: org, Settings: cs}, nil
}

// MaxChannelIntro is the length of an intro text, in characters.
const MaxChannelIntro = 2000

// Errors of the page's settings; portal translates each.
var (
	ErrChannelInbox = errors.New("delivery: the inbox is not an address of this organisation")
	ErrChannelIntro = errors.New("delivery: an intro text is too long")
)

// ChannelIntroError says which language's intro is too long.
type ChannelIntroError struct{ Lang string }

func (e *ChannelIntroError) Error() string {
	return "delivery: the " + e.Lang + " intro text is too long"
}

// Unwrap makes errors.Is(err, ErrChannelIntro) hold.
func (e *ChannelIntroError) Unwrap() error { return ErrChannelIntro }

// ChannelSettingsInput is an admin's change of the page's settings.
type ChannelSettingsInput struct {
	Admin   db.User
	Enabled bool
	Inbox   string            // "" = the admins
	Intro   map[string]string // per language; plain text
	IP      string
}

// ChannelLanguages are the languages an intro can be written in.
var ChannelLanguages = []string{"nl", "fr", "en"}

// PutChannelSettings checks and stores the page's settings with their
// audit event. The inbox must be an address of the organisation: a
// user's address or alias, or a group's.
func (s *Service) PutChannelSettings(ctx context.Context, in ChannelSettingsInput) (db.ChannelSettings, error) {
	orgID := in.Admin.OrgID
	cs := db.ChannelSettings{OrgID: orgID, Enabled: in.Enabled, Intro: map[string]string{}, UpdatedAt: s.opt.Now().UTC()}
	for _, lang := range ChannelLanguages {
		text := strings.TrimSpace(strings.ReplaceAll(in.Intro[lang], "\r\n", "\n"))
		if utf8.RuneCountInString(text) > MaxChannelIntro {
			return cs, &ChannelIntroError{Lang: lang}
		}
		if text != "" {
			cs.Intro[lang] = text
		}
	}
	inbox, err := s.channelInbox(ctx, orgID, in.Inbox)
	if err != nil {
		return cs, err
	}
	cs.Inbox = inbox
	before, err := s.opt.Store.ChannelSettings(ctx, orgID)
	if err != nil {
		return cs, err
	}
	ev := db.AuditEvent{OrgID: orgID, ActorID: in.Admin.ID, Actor: "user:" + strconv.FormatInt(in.Admin.ID, 10) + " " + in.Admin.Email,
		Kind: "channel.settings", Target: "org:" + strconv.FormatInt(orgID, 10), IP: in.IP, At: cs.UpdatedAt,
		Before: describeChannelSettings(before), After: describeChannelSettings(cs)}
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.PutChannelSettings(ctx, cs); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, ev)
	})
	return cs, err
}

// channelInbox normalises the inbox address and checks that it is the
// organisation's: a user's address or alias, or a group's.
func (s *Service) channelInbox(ctx context.Context, orgID int64, raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	addr, err := db.NormalizeAddress(raw)
	if err != nil {
		return "", ErrChannelInbox
	}
	u, err := s.opt.Store.UserByAddress(ctx, addr)
	switch {
	case err == nil && u.OrgID == orgID:
		return addr, nil
	case err != nil && !errors.Is(err, db.ErrNotFound):
		return "", err
	}
	_, err = s.opt.Store.GroupByAddress(ctx, orgID, addr)
	switch {
	case err == nil:
		return addr, nil
	case errors.Is(err, db.ErrNotFound):
		return "", ErrChannelInbox
	}
	return "", err
}

// describeChannelSettings is the audit log's account of the settings:
// on or off, the inbox, and which intros are set (their length, not
// their text).
func describeChannelSettings(cs db.ChannelSettings) string {
	state := "off"
	if cs.Enabled {
		state = "on"
	}
	inbox := cs.Inbox
	if inbox == "" {
		inbox = "the admins"
	}
	var intros []string
	for _, lang := range ChannelLanguages {
		if t := cs.Intro[lang]; t != "" {
			intros = append(intros, fmt.Sprintf("%s %d characters", lang, utf8.RuneCountInString(t)))
		}
	}
	if len(intros) == 0 {
		intros = []string{"none"}
	}
	return "page " + state + "; inbox " + inbox + "; intro " + strings.Join(intros, ", ")
}
