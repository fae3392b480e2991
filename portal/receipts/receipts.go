package receipts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/i18n"
	jobqueue "sluis/portal/jobs"
	"sluis/portal/mailer"
	"sluis/portal/policy"
	"sluis/portal/vault"
)

// ErrNotAsked: the reader answered a question the rule does not put (any
// more): no receipt requested, one decided already, or a policy change.
var ErrNotAsked = errors.New("receipts: no read receipt is asked for")

// Options are the Service's dependencies.
type Options struct {
	Store    *db.Store
	Policy   *policy.Service
	Jobs     delivery.Enqueuer
	Mailer   mailer.Sender
	Vault    *vault.Vault // the subject for the notification, opened through delivery; nil leaves it out
	Text     *i18n.Bundle // the human-readable part
	MailFrom string       // Sluis's own address
	BaseURL  string       // the portal's URL; its host names Sluis in Reporting-UA
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service decides, records and sends read receipts.
type Service struct{ opt Options }

// Reading a message asks the rule through delivery.
var _ delivery.ReceiptRule = (*Service)(nil)

// New returns a Service.
func New(opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Service{opt: opt}
}

// Evaluate applies the rule to one recipient of a released message; a
// recipient whose receipt was decided already gets None.
func (s *Service) Evaluate(ctx context.Context, msg db.Message, rc db.Recipient) (Decision, error) {
	if msg.ReceiptTo == "" || rc.MessageID != msg.ID {
		return None, nil
	}
	if _, err := s.opt.Store.ReceiptOf(ctx, rc.OrgID, rc.ID); !errors.Is(err, db.ErrNotFound) {
		return None, err
	}
	c, err := s.caseOf(ctx, msg, rc)
	if err != nil {
		return None, fmt.Errorf("read-receipt rule for recipient %d: %w", rc.ID, err)
	}
	return Decide(c), nil
}

// caseOf gathers what the rule looks at.
func (s *Service) caseOf(ctx context.Context, msg db.Message, rc db.Recipient) (Case, error) {
	org, err := s.opt.Store.Org(ctx, msg.OrgID)
	if err != nil {
		return Case{}, err
	}
	sender, err := s.opt.Policy.For(ctx, msg.OrgID, msg.UnitID)
	if err != nil {
		return Case{}, err
	}
	c := Case{Requester: msg.ReceiptTo, OrgDomains: org.Domains, Sender: sender.Receipts, External: !rc.Internal}
	if !rc.Internal {
		return c, nil
	}
	c.Addressing, c.Reader, err = s.reader(ctx, org.ID, rc.Address)
	return c, err
}

// reader tells how an internal address reached its reader, and the
// reader's unit's rule when it is their own address.
func (s *Service) reader(ctx context.Context, orgID int64, addr string) (Addressing, policy.ReceiptPolicy, error) {
	if _, err := s.opt.Store.GroupByAddress(ctx, orgID, addr); err == nil {
		return Group, policy.ReceiptPolicy{}, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return Unknown, policy.ReceiptPolicy{}, err
	}
	u, err := s.opt.Store.UserByAddress(ctx, addr)
	if errors.Is(err, db.ErrNotFound) || (err == nil && u.OrgID != orgID) {
		return Unknown, policy.ReceiptPolicy{}, nil
	}
	if err != nil {
		return Unknown, policy.ReceiptPolicy{}, err
	}
	if !equalFold(u.Email, addr) {
		return Alias, policy.ReceiptPolicy{}, nil
	}
	p, err := s.opt.Policy.For(ctx, orgID, u.UnitID)
	return Direct, p.Receipts, err
}

func equalFold(a, b string) bool {
	n, err1 := db.NormalizeAddress(a)
	m, err2 := db.NormalizeAddress(b)
	return err1 == nil && err2 == nil && n == m
}

// Opened is called when a reader opens the message: it sends the receipt
// at once when the rule says Auto, and returns whether to ask.
func (s *Service) Opened(ctx context.Context, msg db.Message, rc db.Recipient) (ask bool, err error) {
	d, err := s.Evaluate(ctx, msg, rc)
	if err != nil || d == None {
		return false, err
	}
	if d == Ask {
		return true, nil
	}
	return false, s.record(ctx, msg, rc, true, db.ReceiptAutomatic)
}

// Answer records the reader's answer to the question; ErrNotAsked when
// the rule does not ask (any more).
func (s *Service) Answer(ctx context.Context, msg db.Message, rc db.Recipient, send bool) error {
	d, err := s.Evaluate(ctx, msg, rc)
	if err != nil {
		return err
	}
	if d != Ask {
		return ErrNotAsked
	}
	return s.record(ctx, msg, rc, send, db.ReceiptManual)
}

// record stores the decision and, for a receipt to send, its job, in one
// transaction; a second decision for the recipient is ErrNotAsked.
func (s *Service) record(ctx context.Context, msg db.Message, rc db.Recipient, send bool, action string) error {
	rr := &db.ReadReceipt{OrgID: rc.OrgID, MessageID: msg.ID, RecipientID: rc.ID, SendTo: msg.ReceiptTo,
		Action: action, State: db.ReceiptQueued, DecidedAt: s.opt.Now().UTC()}
	if !send {
		rr.State = db.ReceiptDeclined
	}
	err := s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.InsertReadReceipt(ctx, rr); err != nil {
			return err
		}
		if !send {
			return nil
		}
		return s.opt.Jobs.InsertTx(ctx, tx, SendArgs{OrgID: rr.OrgID, ReceiptID: rr.ID}, &river.InsertOpts{MaxAttempts: 20})
	})
	if errors.Is(err, db.ErrDuplicate) {
		return ErrNotAsked
	}
	return err
}

// SendArgs is the job that sends one read receipt.
type SendArgs struct {
	OrgID     int64 `json:"org_id"`
	ReceiptID int64 `json:"receipt_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "send_read_receipt" }

// AddWorkers registers the receipt sender.
func (s *Service) AddWorkers(w *river.Workers) error {
	return river.AddWorkerSafely(w, &sendWorker{s: s})
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// Work builds the notification and hands it to the relay; a temporary
// failure is retried, a permanent one recorded.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	s := w.s
	rr, err := s.opt.Store.ReadReceipt(ctx, job.Args.OrgID, job.Args.ReceiptID)
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil || rr.State != db.ReceiptQueued {
		return err
	}
	raw, err := s.notification(ctx, rr)
	if err != nil {
		return err
	}
	var res mailer.Result
	_, _, err = jobqueue.SendOnce(ctx, s.opt.Store, rr.OrgID, job.JobRow, func(ctx context.Context) (err error) {
		res, err = s.opt.Mailer.Send(ctx, &mailer.Message{To: []mailer.Address{{Addr: rr.SendTo}}, Raw: raw})
		return err
	}, nil)
	var perm *mailer.PermanentError
	switch {
	case errors.Is(err, jobqueue.ErrNotRecorded):
		return err
	case err == nil && len(res.Rejected) == 0:
		return s.opt.Store.FinishReadReceipt(ctx, rr.OrgID, rr.ID, db.ReceiptSent, s.opt.Now().UTC())
	case err == nil || errors.As(err, &perm) || errors.Is(err, mailer.ErrInvalidMessage):
		s.opt.Logger.Warn("read receipt refused", "receipt_id", rr.ID, "err", err)
		if ferr := s.opt.Store.FinishReadReceipt(ctx, rr.OrgID, rr.ID, db.ReceiptFailed, s.opt.Now().UTC()); ferr != nil {
			return ferr
		}
		return nil
	}
	return fmt.Errorf("sending read receipt %d: %w", rr.ID, err)
}

// notification builds the MDN of one receipt, in the language of the
// requester when they are a user, else the organisation's.
func (s *Service) notification(ctx context.Context, rr db.ReadReceipt) ([]byte, error) {
	msg, err := s.opt.Store.Message(ctx, rr.OrgID, rr.MessageID)
	if err != nil {
		return nil, err
	}
	rc, err := s.opt.Store.Recipient(ctx, rr.OrgID, rr.RecipientID)
	if err != nil {
		return nil, err
	}
	org, err := s.opt.Store.Org(ctx, rr.OrgID)
	if err != nil {
		return nil, err
	}
	lang := org.Language
	if u, err := s.opt.Store.UserByAddress(ctx, rr.SendTo); err == nil && u.OrgID == org.ID {
		lang = u.Language
	}
	subject := ""
	if s.opt.Vault != nil {
		if subject, err = delivery.OpenSubject(s.opt.Vault, msg); err != nil {
			return nil, err
		}
	}
	data := map[string]any{"Reader": rc.Address, "Subject": subject, "Date": i18n.DateTime(lang, rr.DecidedAt)}
	return Build(MDN{
		From: mail.Address{Name: "Sluis", Address: s.opt.MailFrom},
		To:   rr.SendTo, Subject: s.opt.Text.T(lang, "receipt.mdn_subject", data), Text: s.opt.Text.T(lang, "receipt.mdn_text", data),
		ReportingUA: host(s.opt.BaseURL) + "; Sluis", Recipient: rc.Address, OriginalMessageID: msg.HeaderMessageID,
		Automatic: rr.Action == db.ReceiptAutomatic, Date: s.opt.Now().UTC(),
	})
}

func host(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}
