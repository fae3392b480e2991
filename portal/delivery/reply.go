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
	// MaxRepliesHourly caps a burst: a verified recipient cannot flood the
	// sender (each reply is up to 25 MB and tells the sender).
	MaxRepliesHourly = 10
)

// Reply errors; portal shows each as a translated message.
var (
	ErrReplyEmpty   = errors.New("delivery: a reply needs text or a file")
	ErrReplyTooLong = errors.New("delivery: the reply text is too long")
	ErrReplyFiles   = errors.New("delivery: too many files")
	ErrReplyLimit   = errors.New("delivery: too many replies for now")
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
		// Counted again under the recipient's lock, so that replies sent
		// at once cannot all pass the check made before the upload.
		if err := s.underReplyLimits(ctx, tx, rc); err != nil {
			return err
		}
		if err := tx.InsertReply(ctx, nr); err != nil {
			return err
		}
		return s.enqueueReplyNotice(ctx, tx, rc, nr.Reply.ID, nr.Reply.CreatedAt)
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
	return s.underReplyLimits(ctx, nil, rc)
}

// underReplyLimits refuses a reply over the hourly or the daily cap. In
// a transaction it first locks the recipient's row (PostgreSQL; SQLite's
// one writer already serialises), so the count holds until the insert.
func (s *Service) underReplyLimits(ctx context.Context, tx *db.Tx, rc db.Recipient) error {
	now := s.opt.Now()
	for _, lim := range []struct {
		n   int
		per time.Duration
	}{{MaxRepliesHourly, time.Hour}, {MaxRepliesDaily, 24 * time.Hour}} {
		var n int
		var err error
		if tx != nil {
			n, err = tx.RepliesSinceLocked(ctx, rc.OrgID, rc.ID, now.Add(-lim.per))
		} else {
			n, err = s.opt.Store.RepliesSince(ctx, rc.OrgID, rc.ID, now.Add(-lim.per))
		}
		if err != nil {
			return err
		}
		if n >= lim.n {
			return ErrReplyLimit
		}
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
	OrgID       int64  `json:"org_id" river:"unique"`
	RecipientID int64  `json:"recipient_id" river:"unique"`
	Event       string `json:"event" river:"unique"`
	ReplyID     int64  `json:"reply_id,omitempty"` // a reply notice: the first reply of its batch
	// Batch is the start (Unix seconds) of the window a reply notice
	// covers; one notice per recipient and window.
	Batch int64 `json:"batch,omitempty" river:"unique"`
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

// enqueueReplyNotice schedules the sender's "reply received" mail for the
// end of the reply's batch window: the replies of one recipient within a
// window share one job (River keeps it unique by organisation, recipient,
// event and window) and one mail that counts them. The job runs a grace
// period after the window closes, so a reply whose upload began inside it
// has committed by then.
func (s *Service) enqueueReplyNotice(ctx context.Context, tx *db.Tx, rc db.Recipient, replyID int64, at time.Time) error {
	batch := s.opt.ReplyBatch
	start := at.Truncate(batch)
	args := NotifySenderArgs{OrgID: rc.OrgID, RecipientID: rc.ID, Event: EventReply, ReplyID: replyID, Batch: start.Unix()}
	opts := &river.InsertOpts{MaxAttempts: 20, ScheduledAt: start.Add(batch + batch/2),
		UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if err := s.opt.Jobs.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueueing the sender's reply notice: %w", err)
	}
	return nil
}

// batchSize counts the replies of the notice's window: the first one and
// those that joined it. A notice without a window (enqueued before
// batching) is about its one reply.
func (s *Service) batchSize(ctx context.Context, rc db.Recipient, a NotifySenderArgs, first db.Reply) (int, error) {
	if a.Batch == 0 {
		return 1, nil
	}
	start := time.Unix(a.Batch, 0)
	from, err := s.opt.Store.RepliesSince(ctx, rc.OrgID, rc.ID, start.Add(-time.Microsecond))
	if err != nil {
		return 0, err
	}
	after, err := s.opt.Store.RepliesSince(ctx, rc.OrgID, rc.ID, start.Add(s.opt.ReplyBatch-time.Microsecond))
	if err != nil {
		return 0, err
	}
	return max(from-after, 1), nil
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
	return w.s.mailJob(ctx, job.JobRow, job.Args.OrgID, func(ctx context.Context) (*mailer.Message, error) {
		return w.s.senderMail(ctx, job.Args)
	}, "a sender's notification", "recipient_id", job.Args.RecipientID, "event", job.Args.Event)
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
	rc, ab, err := s.aboutRecipient(ctx, a.OrgID, a.RecipientID)
	if err != nil {
		return nil, err
	}
	msg, org, sender, subject := ab.msg, ab.org, ab.sender, ab.subject
	lang := sender.Language
	v := mailView{Lang: lang, Data: map[string]any{"Recipient": rc.Address, "Subject": oneLine(subject),
		"Org": org.Name, "Sent": formatDate(msg.CreatedAt, lang)}}
	v.Verify = a.Event
	if a.Event == EventReply {
		r, err := s.opt.Store.Reply(ctx, a.OrgID, a.ReplyID)
		if err != nil {
			return nil, err
		}
		v.URL = s.ReplyURL(r.UID)
		n, err := s.batchSize(ctx, rc, a, r)
		if err != nil {
			return nil, err
		}
		if n > 1 {
			v.Verify, v.Data["Count"] = "replies", n
			v.URL = s.opt.BaseURL + "/messages/" + msg.UID
		}
	}
	return s.composeSenderMail(ctx, v, v.Verify, sender, org)
}

func (s *Service) composeSenderMail(ctx context.Context, v mailView, event string, sender db.User, org db.Org) (*mailer.Message, error) {
	text, html, err := s.render(ctx, org.ID, "sender", &v)
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
