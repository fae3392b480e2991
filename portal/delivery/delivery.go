// Package delivery is the heart of Sluis: it turns a submitted message into
// a held draft or a released message, notifies the people involved, and
// opens stored messages, files and replies to the people who may read
// them (read*.go). It alone seals and opens the fields the database keeps
// encrypted (sealed.go). It knows nothing of HTTP or SMTP.
//
// The guarantee it keeps: a message is stored (encrypted blobs fsynced,
// then one database transaction with its recipients and the jobs that will
// notify them) before Submit returns nil, so whatever the intake
// acknowledges is never lost and always notified; a failed Submit leaves
// nothing behind but blobs that the sweeper removes.
package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/i18n"
	"sluis/portal/jobs"
	"sluis/portal/mailer"
	"sluis/portal/policy"
	"sluis/portal/vault"
	"sluis/views"
)

// Enqueuer adds jobs inside one of the store's transactions.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Options are the Service's dependencies and settings.
type Options struct {
	Store     *db.Store
	Vault     *vault.Vault
	Blobs     vault.BlobStore // the Vault's store, for the orphan sweeper; nil disables it
	Keys      *vault.Keys
	Jobs      Enqueuer
	Mailer    mailer.Sender
	MailFrom  string // address of Sluis's own mail
	Text      *i18n.Bundle
	Logger    *slog.Logger
	BaseURL   string // the portal's public URL, for links in mail
	Now       func() time.Time
	Retention time.Duration // how long released content is kept (default 30 days)
	DraftTTL  time.Duration // how long a held draft is kept (default 14 days)
	// ReplyBatch is the window within which a recipient's replies give
	// the sender one mail (default 2 minutes).
	ReplyBatch time.Duration
	// Policy gives each unit's draft retention and whether its users may
	// send from the web app; nil means DraftTTL and yes.
	Policy *policy.Service
	// Receipts is asked when a recipient views a message (Read); nil
	// means no read receipts.
	Receipts ReceiptRule
	// NumberLimits bound "this is not my number any more" (number.go);
	// zero fields take DefaultNumberLimits'.
	NumberLimits NumberLimits
	// ChannelLimits bound the secure channel's public page (channel.go);
	// zero fields take DefaultChannelLimits'.
	ChannelLimits ChannelLimits
}

// Service submits, holds and releases messages.
type Service struct {
	opt     Options
	linkKey []byte
	commits *committer
	records *jobs.Recorder // notifications' sent records, group-committed
	mail    *views.Mails
	// channelKey keys the HMAC of the secure channel's mailed codes.
	channelKey []byte
}

// New returns a Service.
func New(opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Retention <= 0 {
		opt.Retention = 30 * 24 * time.Hour
	}
	if opt.ReplyBatch <= 0 {
		opt.ReplyBatch = 2 * time.Minute
	}
	if opt.DraftTTL <= 0 {
		opt.DraftTTL = 14 * 24 * time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	mail, err := views.ParseMails()
	if err != nil {
		panic("delivery: embedded mail templates: " + err.Error()) // a build defect, caught by every test
	}
	s := &Service{opt: opt, linkKey: opt.Keys.Derive("recipient link v1"), mail: mail, records: jobs.NewRecorder(opt.Store),
		channelKey: opt.Keys.Derive("channel code v1")}
	s.commits = newCommitter(s)
	return s
}

// Close stops accepting submissions; call it after the intake has stopped.
func (s *Service) Close() { s.commits.close() }
