package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/mailer"
)

// A message written on the public page is stored like a recipient's
// reply (the text and files as encrypted blobs, the subject, the name and
// the file names sealed and bound to the message's uid) and, in the same
// transaction as its audit event, a job mails the organisation's secure
// inbox that it came in — never its subject or text.

// MaxChannelSubject is the length of a channel message's subject, in characters.
const MaxChannelSubject = 200

// MaxChannelName is the length of the writer's optional name, in characters.
const MaxChannelName = 200

// Errors of a channel message; portal translates each.
var (
	ErrChannelSubject     = errors.New("delivery: the message needs a subject")
	ErrChannelSubjectLong = errors.New("delivery: the subject is too long")
	ErrChannelNameLong    = errors.New("delivery: the name is too long")
	ErrChannelText        = errors.New("delivery: the message needs a text")
	ErrChannelLimit       = errors.New("delivery: too many messages from this address for now")
)

// ChannelInput is a message a verified writer submits. Files have the
// limits of a reply (MaxReplyFiles; the web layer bounds their size).
type ChannelInput struct {
	Page    ChannelPage
	Token   string
	Name    string
	Subject string
	Text    string
	Files   []ReplyFile
	IP      string
}

// The sealed-field bindings of a channel message's fields.
func channelSubjectBinding(uid string) string { return "channel " + uid + " subject" }
func channelNameBinding(uid string) string    { return "channel " + uid + " name" }
func channelFilenameBinding(uid string, i int) string {
	return fmt.Sprintf("channel %s attachment %d name", uid, i)
}

// CheckChannelInput checks what can be checked before anything is
// stored: the subject, the name, the text and the number of files.
func CheckChannelInput(in ChannelInput) error {
	switch {
	case strings.TrimSpace(in.Subject) == "":
		return ErrChannelSubject
	case utf8.RuneCountInString(in.Subject) > MaxChannelSubject:
		return ErrChannelSubjectLong
	case utf8.RuneCountInString(in.Name) > MaxChannelName:
		return ErrChannelNameLong
	case strings.TrimSpace(in.Text) == "":
		return ErrChannelText
	case len(in.Text) > MaxReplyText:
		return ErrReplyTooLong
	case len(in.Files) > MaxReplyFiles:
		return ErrReplyFiles
	}
	return nil
}

// SubmitChannel stores a verified writer's message encrypted and, in one
// transaction, its audit event and the inbox's notification. Over the
// limits per address or per network it is ErrChannelLimit, and
// ErrChannelSession when the writer's session is over.
func (s *Service) SubmitChannel(ctx context.Context, in ChannelInput) (db.ChannelMessage, error) {
	if err := CheckChannelInput(in); err != nil {
		return db.ChannelMessage{}, err
	}
	w, err := s.ChannelWriter(ctx, in.Page, in.Token)
	if err != nil {
		return db.ChannelMessage{}, err
	}
	lim := s.channelLimits()
	now := s.opt.Now().UTC()
	network := NetworkOf(in.IP)
	if err := s.underChannelLimits(ctx, nil, w.OrgID, w.Address, network, now, lim); err != nil {
		return db.ChannelMessage{}, s.channelLimitHit(ctx, w, in.IP, now, err)
	}
	retention, err := s.channelRetention(ctx, in.Page.Org)
	if err != nil {
		return db.ChannelMessage{}, err
	}
	uid, err := newUID()
	if err != nil {
		return db.ChannelMessage{}, err
	}
	nm := &db.NewChannelMessage{Message: db.ChannelMessage{UID: uid, OrgID: w.OrgID, Address: w.Address, Network: network,
		Size: int64(len(in.Text)), CreatedAt: now, ExpiresAt: now.Add(retention)}}
	var blobs []string
	if err := s.storeChannel(ctx, nm, in, &blobs); err != nil {
		s.deleteBlobs(blobs)
		return db.ChannelMessage{}, err
	}
	ev := db.AuditEvent{OrgID: w.OrgID, Actor: w.Address, Kind: "channel.message",
		Target: "channel:" + uid + " " + w.Address, IP: in.IP, At: now,
		Detail: fmt.Sprintf("received; %d files, %d bytes", len(nm.Attachments), nm.Message.Size)}
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		// Counted again under the organisation's lock, so that messages
		// sent at once cannot all pass the check made before the upload.
		if err := s.underChannelLimits(ctx, tx, w.OrgID, w.Address, network, now, lim); err != nil {
			return err
		}
		if err := tx.InsertChannelMessage(ctx, nm); err != nil {
			return err
		}
		args := NotifyChannelArgs{OrgID: w.OrgID, ChannelMessageID: nm.Message.ID}
		if err := s.opt.Jobs.InsertTx(ctx, tx, args, &river.InsertOpts{MaxAttempts: 20}); err != nil {
			return fmt.Errorf("enqueueing the inbox's notification: %w", err)
		}
		return tx.AppendAudit(ctx, ev)
	})
	if err != nil {
		s.deleteBlobs(blobs)
		if errors.Is(err, ErrChannelLimit) {
			return db.ChannelMessage{}, s.channelLimitHit(ctx, w, in.IP, now, err)
		}
		return db.ChannelMessage{}, fmt.Errorf("storing a channel message: %w", err)
	}
	return nm.Message, nil
}

// underChannelLimits refuses a message over the limit of its address or
// of its network; in tx the counts hold until the insert.
func (s *Service) underChannelLimits(ctx context.Context, tx *db.Tx, orgID int64, address, network string, now time.Time, lim ChannelLimits) error {
	since := now.Add(-lim.MessageWindow)
	var c db.ChannelCounts
	var err error
	if tx != nil {
		c, err = tx.CountChannelMessages(ctx, orgID, address, network, since)
	} else {
		c, err = s.opt.Store.ChannelMessageCounts(ctx, orgID, address, network, since)
	}
	if err != nil {
		return err
	}
	if c.Address >= lim.PerAddress || c.Network >= lim.PerNetwork {
		return ErrChannelLimit
	}
	return nil
}

// channelLimitHit audits a message refused by the limits.
func (s *Service) channelLimitHit(ctx context.Context, w db.ChannelChallenge, ip string, now time.Time, cause error) error {
	ev := db.AuditEvent{OrgID: w.OrgID, Actor: w.Address, Kind: "channel.message", Target: "address " + w.Address,
		IP: ip, At: now, Outcome: db.OutcomeDenied, Detail: "refused: the limit per address or per network"}
	return errors.Join(cause, s.opt.Store.AppendAudit(ctx, ev))
}

// channelRetention is how long a channel message is kept: the retention
// of the organisation's root unit, as a message of that unit gets.
func (s *Service) channelRetention(ctx context.Context, org db.Org) (time.Duration, error) {
	if s.opt.Policy == nil {
		return s.opt.Retention, nil
	}
	p, err := s.opt.Policy.For(ctx, org.ID, org.RootUnit)
	if err != nil {
		return 0, unavailable(fmt.Sprintf("the policy of unit %d", org.RootUnit), err)
	}
	if p.MessageRetention <= 0 {
		return s.opt.Retention, nil
	}
	return p.MessageRetention, nil
}

// storeChannel writes the text and the files as blobs (fsynced before the
// transaction) and seals the subject, the name and the file names.
func (s *Service) storeChannel(ctx context.Context, nm *db.NewChannelMessage, in ChannelInput, blobs *[]string) error {
	m := &nm.Message
	var err error
	if m.TextBlob, err = s.putBody(ctx, in.Text, blobs); err != nil {
		return fmt.Errorf("storing a channel message's text: %w", err)
	}
	if m.Subject, err = s.opt.Vault.SealField([]byte(strings.TrimSpace(in.Subject)), channelSubjectBinding(m.UID)); err != nil {
		return err
	}
	if name := strings.TrimSpace(in.Name); name != "" {
		if m.Name, err = s.opt.Vault.SealField([]byte(name), channelNameBinding(m.UID)); err != nil {
			return err
		}
	}
	for i, f := range in.Files {
		id, size, err := s.opt.Vault.Put(ctx, f.Body)
		if err != nil {
			return fmt.Errorf("storing a channel message's file: %w", err)
		}
		*blobs = append(*blobs, id)
		sealed, err := s.opt.Vault.SealField([]byte(CleanFilename(f.Name)), channelFilenameBinding(m.UID, i))
		if err != nil {
			return err
		}
		nm.Attachments = append(nm.Attachments, db.ChannelAttachment{BlobID: id, Filename: sealed,
			ContentType: cleanContentType(f.ContentType), Size: size})
		m.Size += size
	}
	return nil
}

// ChannelSubject opens a channel message's subject.
func (s *Service) ChannelSubject(m db.ChannelMessage) (string, error) {
	b, err := s.opt.Vault.OpenField(m.Subject, channelSubjectBinding(m.UID))
	if err != nil {
		return "", fmt.Errorf("opening the subject of channel message %d: %w", m.ID, err)
	}
	return string(b), nil
}

// ChannelName opens the name the writer gave, "" when none.
func (s *Service) ChannelName(m db.ChannelMessage) (string, error) {
	if m.Name == nil {
		return "", nil
	}
	b, err := s.opt.Vault.OpenField(m.Name, channelNameBinding(m.UID))
	if err != nil {
		return "", fmt.Errorf("opening the name of channel message %d: %w", m.ID, err)
	}
	return string(b), nil
}

// ChannelFileName opens the name of a channel message's file.
func (s *Service) ChannelFileName(m db.ChannelMessage, a db.ChannelAttachment) (string, error) {
	b, err := s.opt.Vault.OpenField(a.Filename, channelFilenameBinding(m.UID, a.Position))
	if err != nil {
		return "", fmt.Errorf("opening the name of channel attachment %d: %w", a.ID, err)
	}
	return string(b), nil
}

// ChannelText reads a channel message's text.
func (s *Service) ChannelText(ctx context.Context, m db.ChannelMessage) (string, error) {
	if m.TextBlob == "" {
		return "", nil
	}
	return s.readBlob(ctx, m.TextBlob, MaxReplyText)
}

// ChannelInboxURL is the link in the inbox's mail.
func (s *Service) ChannelInboxURL(uid string) string { return s.opt.BaseURL + "/inbox/" + uid }

// NotifyChannelArgs is the job that tells an organisation's secure inbox
// that a message came in through its page.
type NotifyChannelArgs struct {
	OrgID            int64 `json:"org_id"`
	ChannelMessageID int64 `json:"channel_message_id"`
}

// Kind names the job.
func (NotifyChannelArgs) Kind() string { return "notify_channel" }

type notifyChannelWorker struct {
	river.WorkerDefaults[NotifyChannelArgs]
	s *Service
}

// Work mails the inbox; a refusal ends the job, a temporary failure is
// retried.
func (w *notifyChannelWorker) Work(ctx context.Context, job *river.Job[NotifyChannelArgs]) error {
	return w.s.mailJob(ctx, job.JobRow, job.Args.OrgID, func(ctx context.Context) (*mailer.Message, error) {
		return w.s.channelMail(ctx, job.Args)
	}, "the inbox's channel notification", "channel_message", job.Args.ChannelMessageID)
}

// channelMail is the inbox's mail: from which address a message came in
// and where to read it after signing in (never its subject or text). It
// goes to the inbox address or, when none is set, to every enabled admin.
func (s *Service) channelMail(ctx context.Context, a NotifyChannelArgs) (*mailer.Message, error) {
	m, err := s.opt.Store.ChannelMessage(ctx, a.OrgID, a.ChannelMessageID)
	if err != nil {
		return nil, err
	}
	org, err := s.opt.Store.Org(ctx, a.OrgID)
	if err != nil {
		return nil, err
	}
	cs, err := s.opt.Store.ChannelSettings(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	to, lang, err := s.channelInboxTo(ctx, org, cs.Inbox)
	if err != nil {
		return nil, err
	}
	v := mailView{Lang: lang, Verify: "channel_message", URL: s.ChannelInboxURL(m.UID), Data: map[string]any{
		"Address": m.Address, "Org": org.Name, "Received": formatDate(m.CreatedAt, lang)}}
	text, html, err := s.render(ctx, org.ID, "channel", &v)
	if err != nil {
		return nil, err
	}
	return &mailer.Message{
		From:    mailer.Address{Name: "Sluis (" + org.Name + ")", Addr: s.opt.MailFrom},
		To:      to,
		Subject: s.opt.Text.T(lang, "mail.channel_message.subject", v.Data),
		Text:    text, HTML: html, Lang: lang,
		Headers: map[string]string{"X-Sluis-Kind": "channel-message"},
	}, nil
}

// channelInboxTo is whom the inbox's mail goes to, and in which language.
func (s *Service) channelInboxTo(ctx context.Context, org db.Org, inbox string) ([]mailer.Address, string, error) {
	if inbox != "" {
		lang := org.Language
		if u, err := s.opt.Store.UserByAddress(ctx, inbox); err == nil && u.OrgID == org.ID {
			lang = u.Language
		}
		return []mailer.Address{{Addr: inbox}}, lang, nil
	}
	users, err := s.opt.Store.Users(ctx, org.ID)
	if err != nil {
		return nil, "", err
	}
	var to []mailer.Address
	for _, u := range users {
		if u.Role == db.RoleAdmin && !u.Disabled {
			to = append(to, mailer.Address{Name: u.DisplayName, Addr: u.Email})
		}
	}
	if len(to) == 0 {
		return nil, "", fmt.Errorf("organisation %d has no enabled admin to tell: %w", org.ID, db.ErrNotFound)
	}
	return to, org.Language, nil
}

// channelPurgeBatch bounds the channel messages one sweep purges; the
// next sweep takes the rest.
const channelPurgeBatch = 200

// sweepChannel purges expired channel messages (rows, then their blobs),
// expired challenges, and code mails no limit counts any more (the daily
// cap counts a UTC day's). A blob whose deletion fails is left to the
// orphan sweeper: nothing references it now.
func (s *Service) sweepChannel(ctx context.Context) error {
	now := s.opt.Now().UTC()
	p, err := s.opt.Store.PurgeChannel(ctx, now, now.Add(-48*time.Hour), channelPurgeBatch)
	if err != nil {
		return fmt.Errorf("purging the secure channel: %w", err)
	}
	s.deleteBlobs(p.Blobs)
	if p.Messages > 0 {
		s.opt.Logger.Info("purged expired channel messages", "count", p.Messages)
	}
	return nil
}
