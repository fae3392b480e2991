package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal"
	"sluis/portal/auth"
	"sluis/portal/delivery"
	"sluis/portal/devbox"
	"sluis/portal/i18n"
	"sluis/portal/intake"
	"sluis/portal/jobs"
	"sluis/portal/mailer"
	"sluis/portal/mime"
	"sluis/portal/policy"
	"sluis/portal/receipts"
	"sluis/portal/sms"
	"sluis/portal/vault"
	"sluis/portal/verify"
)

// parts are the long-lived pieces serve builds from the configuration.
type parts struct {
	store    *db.Store
	blobs    vault.BlobStore
	keys     *vault.Keys
	vault    *vault.Vault
	text     *i18n.Bundle
	mail     mailer.Sender
	outbox   *devbox.Box // mail without a relay, texts of the log gateway; else nil
	sms      sms.Sender
	jobs     *jobs.Client
	delivery *delivery.Service
	verify   *verify.Service
	policy   *policy.Service
	receipts *receipts.Service
	auth     *auth.Service
	smtp     *intake.Server
}

// build wires the store, the vault on its blob store, outgoing mail, the
// job queue, delivery and the SMTP intake.
func build(c *config, store *db.Store, blobs vault.BlobStore, log *slog.Logger) (*parts, error) {
	p := &parts{store: store, blobs: blobs}
	var err error
	if p.keys, err = vault.LoadOrCreateKey(c.Data, c.MasterKeyFile); err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	p.vault = vault.New(p.keys, blobs)
	if p.text, err = i18n.New(); err != nil {
		return nil, err
	}
	mailFrom, err := c.mailFrom()
	if err != nil {
		return nil, err
	}
	if p.outbox, err = openOutbox(c); err != nil {
		return nil, err
	}
	if p.mail, err = newMailSender(c, mailFrom, p.outbox); err != nil {
		return nil, err
	}
	if p.sms, err = newSMSSender(c, log, p.outbox); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	late := &lateJobs{}
	p.policy = policy.New(store)
	p.receipts = receipts.New(receipts.Options{Store: store, Policy: p.policy, Jobs: late, Mailer: p.mail, Vault: p.vault,
		Text: p.text, MailFrom: mailFrom, BaseURL: c.BaseURL, Logger: log})
	if err := p.receipts.AddWorkers(workers); err != nil {
		return nil, err
	}
	p.delivery = delivery.New(delivery.Options{Store: store, Vault: p.vault, Blobs: blobs, Keys: p.keys, Jobs: late,
		Mailer: p.mail, MailFrom: mailFrom, Text: p.text, Logger: log, BaseURL: c.BaseURL, Policy: p.policy,
		Receipts: p.receipts, ReplyBatch: c.ReplyBatch, ChannelLimits: delivery.ChannelLimits{CodesDaily: c.ChannelCap}})
	if err := p.delivery.AddWorkers(workers); err != nil {
		return nil, err
	}
	p.jobs, err = jobs.New(store, jobs.Options{Workers: workers, Logger: log,
		PeriodicJobs: []*river.PeriodicJob{delivery.SweepBlobsJob(time.Hour), delivery.SweepDraftsJob(time.Hour)}})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	late.c = p.jobs
	if p.verify, err = buildVerify(c, p, log); err != nil {
		return nil, err
	}
	if p.auth, err = buildAuth(c, p, log); err != nil {
		return nil, err
	}
	return p, p.buildSMTP(c, log)
}

func (p *parts) buildSMTP(c *config, log *slog.Logger) error {
	host := "localhost"
	if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	tlsConfig, err := intake.LoadOrCreateTLS(c.Data, c.TLSCert, c.TLSKey, []string{host})
	if err != nil {
		return fmt.Errorf("SMTP certificate: %w", err)
	}
	p.smtp, err = intake.NewServer(intake.Options{Addr: c.SMTP, Store: p.store, Auth: p.auth, Submitter: submitter{p.delivery},
		Logger: log, TLSConfig: tlsConfig, InsecureAuth: c.InsecureAuth, MaxMessageBytes: c.MaxMessageSize, Domain: host})
	return err
}

// openOutbox opens the dev outbox when anything is to be kept there: mail
// without a relay, texts of the log gateway. Otherwise it is nil.
func openOutbox(c *config) (*devbox.Box, error) {
	if c.Relay != "" && c.SMS != "log" {
		return nil, nil
	}
	return devbox.Open(filepath.Join(c.Data, "outbox"))
}

// newMailSender is the relay, or without one the dev outbox.
func newMailSender(c *config, mailFrom string, outbox *devbox.Box) (mailer.Sender, error) {
	if c.Relay == "" {
		return mailer.NewOutbox(outbox), nil
	}
	rc, err := mailer.ParseRelayURL(c.Relay)
	if err != nil {
		return nil, fmt.Errorf("--relay: %w", err)
	}
	// A delivery must end before the job that runs it times out (30 s),
	// or a slow relay would see the same mail again from the retry.
	rc.Timeout = 20 * time.Second
	return mailer.NewRelay(*rc, mailFrom), nil
}

// buildAuth sets up users' sign-in. Passkeys need a host name: WebAuthn
// refuses IP addresses as relying-party ids, so they are off when the base
// URL names one.
func buildAuth(c *config, p *parts, log *slog.Logger) (*auth.Service, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--base-url %q is not a URL", c.BaseURL)
	}
	rpid := u.Hostname()
	if net.ParseIP(rpid) != nil {
		rpid = ""
	}
	return auth.New(auth.Options{Store: p.store, Vault: p.vault, Policy: p.policy, Logger: log, RPID: rpid,
		RPOrigins: []string{u.Scheme + "://" + u.Host}, SessionIdle: c.SessionIdle, SessionMax: c.SessionMax})
}

func buildVerify(c *config, p *parts, log *slog.Logger) (*verify.Service, error) {
	countries, err := verify.ParseCountries(c.SMSCountries)
	if err != nil {
		return nil, fmt.Errorf("--sms-countries: %w", err)
	}
	if c.SMSDailyCap < 1 {
		return nil, fmt.Errorf("--sms-daily-cap must be at least 1")
	}
	mailFrom, err := c.mailFrom()
	if err != nil {
		return nil, err
	}
	return verify.New(verify.Options{Store: p.store, SMS: p.sms, CodeKey: p.keys.Derive("sms code v1"), Notifier: p.delivery,
		Mail: p.mail, MailFrom: mailFrom, Text: p.text, Logger: log, DailyCap: c.SMSDailyCap, Countries: countries, Policy: p.policy})
}

// newSMSSender is the gateway --sms names; the log gateway keeps its texts
// in the dev outbox.
func newSMSSender(c *config, log *slog.Logger, outbox *devbox.Box) (sms.Sender, error) {
	cfg := sms.Config{Logger: log, Outbox: outbox, WebhookURL: c.SMSWebhookURL, Twilio: sms.TwilioConfig{AccountSID: c.Twilio.AccountSID,
		AuthToken: c.Twilio.AuthToken, From: c.Twilio.From, MessagingServiceSID: c.Twilio.MessagingServiceSID}}
	s, err := sms.New(c.SMS, cfg)
	if err != nil {
		return nil, fmt.Errorf("--sms %s: %w", c.SMS, err)
	}
	return s, nil
}

// mailFrom is --mail-from, or sluis@ the host of the base URL, as the
// README promises: a demo on http://localhost:8080 sends as sluis@localhost.
// A loopback address counts as localhost; another bare IP address makes no
// mail address a mail program accepts, so it asks for --mail-from.
func (c *config) mailFrom() (string, error) {
	if c.MailFrom != "" {
		addr, err := db.NormalizeAddress(c.MailFrom)
		if err != nil {
			return "", fmt.Errorf("--mail-from %q is not a mail address", c.MailFrom)
		}
		return addr, nil
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("--base-url %q is not a URL", c.BaseURL)
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.IsLoopback() {
			return "", fmt.Errorf("--base-url %q names an IP address; set --mail-from", c.BaseURL)
		}
		host = "localhost"
	}
	if !hostLabel.MatchString(host) {
		return "", fmt.Errorf("--base-url %q has no host a mail address can use; set --mail-from", c.BaseURL)
	}
	return "sluis@" + strings.TrimSuffix(host, "."), nil
}

// hostLabel is a host name of one or more labels; unlike a mail domain
// in the address book, one label (localhost) is allowed here.
var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$`)

// ready is the readiness probe: the database and the blob store answer.
func (p *parts) ready() func(context.Context) error {
	return portal.ReadyAll(portal.ReadyCheck{Name: "database", Ping: p.store.Ping},
		portal.ReadyCheck{Name: "blob store", Ping: p.blobs.Ping})
}

// lateJobs lets delivery be built before the job client that runs its
// workers; it is set before anything is enqueued.
type lateJobs struct{ c *jobs.Client }

func (l *lateJobs) InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if l.c == nil {
		return errors.New("job queue not started")
	}
	return l.c.InsertTx(ctx, tx, args, opts)
}

func (l *lateJobs) InsertManyTx(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) error {
	if l.c == nil {
		return errors.New("job queue not started")
	}
	return l.c.InsertManyTx(ctx, tx, params)
}

// submitter hands the intake's submissions to delivery.
type submitter struct{ d *delivery.Service }

func (s submitter) NewSink(ctx context.Context, u db.User) (mime.Sink, func(), error) {
	return s.d.NewSink(ctx, u)
}

// Submit stores the message; a message larger than the sender's unit
// allows is refused for good, so the mail program does not retry it.
func (s submitter) Submit(ctx context.Context, in *intake.Submission) error {
	err := s.d.Submit(ctx, &delivery.Incoming{User: in.User, Rcpts: in.Rcpts, Message: in.Message, Size: in.Size, SHA256: in.SHA256})
	if errors.Is(err, delivery.ErrTooLarge) {
		return &intake.RejectError{Code: 552, Enhanced: [3]int{5, 3, 4}, Message: "Message too large for your unit's limit"}
	}
	return err
}
