package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/mailer"
)

// Limits on a recipient's replies.
const (
	MaxReplyText    = 100_000 // bytes of text
	MaxReplyFiles   = 10
	MaxRepliesDaily = 20 // per recipient in any 24 hours
)

// Reply errors; portal shows each as a translated message.
var (
	ErrReplyEmpty   = errors.New("delivery: a reply needs text or a file")
	ErrReplyTooLong = errors.New("delivery: the reply text is too long")
	ErrReplyFiles   = errors.New("delivery: too many files")
	ErrReplyLimit   = errors.New("delivery: too many replies today")
	ErrReplyNotOpen = errors.New("delivery: the message can no longer be answered")
)

// ReplyFile is one file the recipient attached.
type ReplyFile struct {
	Name        string
	ContentType string
	Body        io.Reader
}

// ReplyInput is a recipient's reply to the message they were sent.
type ReplyInput struct {
	Recipient db.Recipient
	Text      string
	Files     []ReplyFile
}

// Reply stores a recipient's reply like any message (the text and files
// as encrypted blobs, file names sealed) and, in the same transaction,
// marks the recipient replied and enqueues the sender's notification.
func (s *Service) Reply(ctx context.Context, in ReplyInput) (db.Reply, error) {
	rc := in.Recipient
	if err := s.replyAllowed(ctx, in); err != nil {
		return db.Reply{}, err
	}
	uid, err := newUID()
	if err != nil {
		return db.Reply{}, err
	}
	nr := &db.NewReply{Reply: db.Reply{UID: uid, OrgID: rc.OrgID, MessageID: rc.MessageID, RecipientID: rc.ID,
		Size: int64(len(in.Text)), CreatedAt: s.opt.Now().UTC()}}
	var blobs []string
	if err := s.storeReply(ctx, nr, in, &blobs); err != nil {
		s.deleteBlobs(blobs)
		return db.Reply{}, err
	}
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.InsertReply(ctx, nr); err != nil {
			return err
		}
		return s.enqueueSender(ctx, tx, rc, EventReply, nr.Reply.ID)
	})
	if err != nil {
		s.deleteBlobs(blobs)
		return db.Reply{}, fmt.Errorf("storing reply: %w", err)
	}
	return nr.Reply, nil
}

// replyAllowed checks the reply and that the message may still be answered.
func (s *Service) replyAllowed(ctx context.Context, in ReplyInput) error {
	switch {
	case strings.TrimSpace(in.Text) == "" && len(in.Files) == 0:
		return ErrReplyEmpty
	case len(in.Text) > MaxReplyText:
		return ErrReplyTooLong
	case len(in.Files) > MaxReplyFiles:
		return ErrReplyFiles
	}
	rc := in.Recipient
	msg, err := s.opt.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		return err
	}
	if msg.State != db.StateReleased || !s.opt.Now().Before(msg.ExpiresAt) {
		return ErrReplyNotOpen
	}
	n, err := s.opt.Store.RepliesSince(ctx, rc.OrgID, rc.ID, s.opt.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if n >= MaxRepliesDaily {
		return ErrReplyLimit
	}
	return nil
}

// storeReply writes the text and the files as blobs (fsynced before the
// transaction) and seals the file names.
func (s *Service) storeReply(ctx context.Context, nr *db.NewReply, in ReplyInput, blobs *[]string) error {
	var err error
	if nr.Reply.TextBlob, err = s.putBody(ctx, in.Text, blobs); err != nil {
		return fmt.Errorf("storing reply text: %w", err)
	}
	for i, f := range in.Files {
		id, size, err := s.opt.Vault.Put(ctx, f.Body)
		if err != nil {
			return fmt.Errorf("storing reply file: %w", err)
		}
		*blobs = append(*blobs, id)
		name := CleanFilename(f.Name)
		sealed, err := s.opt.Vault.SealField([]byte(name), replyFilenameBinding(nr.Reply.UID, i))
		if err != nil {
			return err
		}
		nr.Attachments = append(nr.Attachments, db.ReplyAttachment{BlobID: id, Filename: sealed,
			ContentType: cleanContentType(f.ContentType), Size: size})
		nr.Reply.Size += size
	}
	return nil
}

// CleanFilename keeps the last path element of a name a browser sent,
// without control characters, at most 200 bytes; "" becomes "file".
func CleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		return "file"
	}
	return name
}

func cleanContentType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	return mt
}

// What a sender is told about a recipient.
const (
	EventLocked = "locked" // too many wrong codes
	EventForgot = "forgot" // "I don't remember the access code"
	EventReply  = "reply"  // a secure reply arrived
)

// NotifySenderArgs is the job that mails a sender about one recipient of
// their message.
type NotifySenderArgs struct {
	OrgID       int64  `json:"org_id"`
	RecipientID int64  `json:"recipient_id"`
	Event       string `json:"event"`
	ReplyID     int64  `json:"reply_id,omitempty"`
}

// Kind names the job.
func (NotifySenderArgs) Kind() string { return "notify_sender" }

func (s *Service) enqueueSender(ctx context.Context, tx *db.Tx, rc db.Recipient, event string, replyID int64) error {
	args := NotifySenderArgs{OrgID: rc.OrgID, RecipientID: rc.ID, Event: event, ReplyID: replyID}
	if err := s.opt.Jobs.InsertTx(ctx, tx, args, &river.InsertOpts{MaxAttempts: 20}); err != nil {
		return fmt.Errorf("enqueueing the sender's notification: %w", err)
	}
	return nil
}

// NotifyLocked enqueues the sender's "recipient locked" mail in tx
// (portal/verify's Notifier).
func (s *Service) NotifyLocked(ctx context.Context, tx *db.Tx, rc db.Recipient) error {
	return s.enqueueSender(ctx, tx, rc, EventLocked, 0)
}

// NotifyForgotten enqueues the sender's "recipient lost the access code"
// mail in tx (portal/verify's Notifier).
func (s *Service) NotifyForgotten(ctx context.Context, tx *db.Tx, rc db.Recipient) error {
	return s.enqueueSender(ctx, tx, rc, EventForgot, 0)
}

// ReplyURL is the link in a sender's "reply received" mail.
func (s *Service) ReplyURL(uid string) string {
	return s.opt.BaseURL + "/replies/" + uid
}

type notifySenderWorker struct {
	river.WorkerDefaults[NotifySenderArgs]
	s *Service
}

// Work mails the sender. A temporary relay failure is retried; a refusal
// ends the job.
func (w *notifySenderWorker) Work(ctx context.Context, job *river.Job[NotifySenderArgs]) error {
	m, err := w.s.senderMail(ctx, job.Args)
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	err = w.s.sendOnce(ctx, job.JobRow, job.Args.OrgID, m)
	var perm *mailer.PermanentError
	if errors.As(err, &perm) || errors.Is(err, mailer.ErrInvalidMessage) {
		w.s.opt.Logger.Error("a sender's notification was refused", "recipient_id", job.Args.RecipientID,
			"event", job.Args.Event, "err", err)
		return river.JobCancel(err)
	}
	return err
}

// senderMail is the sender's mail about one recipient: who, which
// message, what happened and, for a reply, where to read it (never the
// reply itself).
func (s *Service) senderMail(ctx context.Context, a NotifySenderArgs) (*mailer.Message, error) {
	switch a.Event {
	case EventLocked, EventForgot, EventReply:
	default:
		return nil, fmt.Errorf("unknown sender event %q: %w", a.Event, db.ErrNotFound)
	}
	rc, err := s.opt.Store.Recipient(ctx, a.OrgID, a.RecipientID)
	if err != nil {
		return nil, err
	}
	msg, err := s.opt.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		return nil, err
	}
	org, sender, err := s.people(ctx, msg)
	if err != nil {
		return nil, err
	}
	subject, err := s.subject(msg)
	if err != nil {
		return nil, err
	}
	lang := sender.Language
	v := mailView{Lang: lang, Data: map[string]any{"Recipient": rc.Address, "Subject": oneLine(subject),
		"Org": org.Name, "Sent": formatDate(msg.CreatedAt, lang)}}
	if a.Event == EventReply {
		r, err := s.opt.Store.Reply(ctx, a.OrgID, a.ReplyID)
		if err != nil {
			return nil, err
		}
		v.URL = s.ReplyURL(r.UID)
	}
	v.Verify = a.Event
	return s.composeSenderMail(v, a.Event, sender, org)
}

func (s *Service) composeSenderMail(v mailView, event string, sender db.User, org db.Org) (*mailer.Message, error) {
	text, html, err := s.render("sender", v)
	if err != nil {
		return nil, err
	}
	return &mailer.Message{
		From:    mailer.Address{Name: "Sluis (" + org.Name + ")", Addr: s.opt.MailFrom},
		To:      []mailer.Address{{Name: sender.DisplayName, Addr: sender.Email}},
		Subject: s.opt.Text.T(v.Lang, "mail."+event+".subject", v.Data),
		Text:    text, HTML: html, Lang: v.Lang,
		Headers: map[string]string{"X-Sluis-Kind": "sender-" + event},
	}, nil
}
