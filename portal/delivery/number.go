package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/mailer"
)

// "This is not my number any more" (NTA 7516): a recipient whose masked
// number is wrong tells the sender, who enters the new number (or an
// access code) on a page like a held draft's; that updates the address
// book and mails the recipient a fresh link. The recipient can change
// nothing themselves: a link may be in the wrong hands, and a typed
// number would let its holder take the message.
//
// Abuse: a request costs the organisation a mail to the sender, so the
// requests of one link that mail the sender are limited, and the requests
// of one network too. The recipient's page answers the same whether the
// sender was mailed or a request of the same link already had been; only
// the network's limit is said, since it tells nothing of the recipient.

// NumberLimits bound "this is not my number any more".
type NumberLimits struct {
	PerLink       int           // requests of one link that mail the sender, per LinkWindow (2)
	LinkWindow    time.Duration // (24 hours)
	PerNetwork    int           // requests of one network to one organisation, per NetworkWindow (10)
	NetworkWindow time.Duration // (1 hour)
	NoteMax       int           // characters of the optional note (500)
}

// DefaultNumberLimits are the limits unless Options say otherwise.
var DefaultNumberLimits = NumberLimits{PerLink: 2, LinkWindow: 24 * time.Hour, PerNetwork: 10,
	NetworkWindow: time.Hour, NoteMax: 500}

// Errors of a number-change request; portal translates each.
var (
	ErrNoteTooLong   = errors.New("delivery: the note is too long")
	ErrNetworkLimit  = errors.New("delivery: too many requests from this network")
	ErrNotSMS        = errors.New("delivery: the recipient does not verify by text message")
	ErrRequestClosed = errors.New("delivery: the request was answered already")
)

// EventNumber is the sender's mail "the recipient's number is wrong".
const EventNumber = "number"

// NetworkOf is the network a client's address belongs to for the limits:
// its IPv4 /24 or IPv6 /64, since one party usually holds the whole range.
// Whatever is not an IP address shares one key.
func NetworkOf(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "unknown"
	}
	a = a.Unmap().WithZone("")
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

// numberRequestBinding is the sealed-field binding of a request's note.
func numberRequestBinding(uid string) string { return "number request " + uid + " note" }

// ReportWrongNumber records rc's "this is not my number any more" with
// an optional note, from the client address ip, and mails the sender
// unless this link's requests already did PerLink times in the window.
// The request and its audit event commit together with the mail's job.
// nil means the same to the recipient whether the sender was mailed.
func (s *Service) ReportWrongNumber(ctx context.Context, rc db.Recipient, note, ip string) error {
	lim := s.numberLimits()
	if utf8.RuneCountInString(note) > lim.NoteMax {
		return ErrNoteTooLong
	}
	if rc.Method != db.MethodSMS {
		return ErrNotSMS
	}
	uid, err := newUID()
	if err != nil {
		return err
	}
	now := s.opt.Now().UTC()
	n := db.NumberRequest{UID: uid, OrgID: rc.OrgID, MessageID: rc.MessageID, RecipientID: rc.ID, Network: NetworkOf(ip), CreatedAt: now}
	if note != "" {
		if n.Note, err = s.opt.Vault.SealField([]byte(note), numberRequestBinding(uid)); err != nil {
			return err
		}
	}
	ev := db.AuditEvent{OrgID: rc.OrgID, Actor: "recipient:" + strconv.FormatInt(rc.ID, 10), Kind: "number.request",
		Target: "recipient:" + strconv.FormatInt(rc.ID, 10) + " " + rc.Address, IP: ip, At: now}
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		c, err := tx.CountNumberRequests(ctx, rc.OrgID, rc.ID, n.Network, now.Add(-lim.NetworkWindow), now.Add(-lim.LinkWindow))
		if err != nil {
			return err
		}
		if c.Network >= lim.PerNetwork {
			return ErrNetworkLimit
		}
		n.Mailed = c.Mailed < lim.PerLink
		if err := tx.AddNumberRequest(ctx, &n); err != nil {
			return err
		}
		ev.Detail = "the sender was told already"
		if n.Mailed {
			ev.Detail = "the sender is told"
			args := NotifyNumberArgs{OrgID: rc.OrgID, RequestID: n.ID}
			if err := s.opt.Jobs.InsertTx(ctx, tx, args, &river.InsertOpts{MaxAttempts: 20}); err != nil {
				return fmt.Errorf("enqueueing the sender's number mail: %w", err)
			}
		}
		return tx.AppendAudit(ctx, ev)
	})
	if errors.Is(err, ErrNetworkLimit) {
		ev.Outcome, ev.Detail = db.OutcomeDenied, "network limit"
		return errors.Join(ErrNetworkLimit, s.opt.Store.AppendAudit(ctx, ev))
	}
	return err
}

func (s *Service) numberLimits() NumberLimits {
	l, d := s.opt.NumberLimits, DefaultNumberLimits
	if l.PerLink <= 0 {
		l.PerLink = d.PerLink
	}
	if l.LinkWindow <= 0 {
		l.LinkWindow = d.LinkWindow
	}
	if l.PerNetwork <= 0 {
		l.PerNetwork = d.PerNetwork
	}
	if l.NetworkWindow <= 0 {
		l.NetworkWindow = d.NetworkWindow
	}
	if l.NoteMax <= 0 {
		l.NoteMax = d.NoteMax
	}
	return l
}

// NumberRequestURL is the link in the sender's mail.
func (s *Service) NumberRequestURL(uid string) string {
	return s.opt.BaseURL + "/requests/" + uid
}

// NotifyNumberArgs is the job that mails a sender one recipient's "this is
// not my number any more".
type NotifyNumberArgs struct {
	OrgID     int64 `json:"org_id"`
	RequestID int64 `json:"request_id"`
}

// Kind names the job.
func (NotifyNumberArgs) Kind() string { return "notify_number" }

type notifyNumberWorker struct {
	river.WorkerDefaults[NotifyNumberArgs]
	s *Service
}

// Work mails the sender; a refusal ends the job, a temporary failure is
// retried.
func (w *notifyNumberWorker) Work(ctx context.Context, job *river.Job[NotifyNumberArgs]) error {
	return w.s.mailJob(ctx, job.JobRow, job.Args.OrgID, func(ctx context.Context) (*mailer.Message, error) {
		return w.s.numberMail(ctx, job.Args)
	}, "a sender's number-request mail", "request", job.Args.RequestID)
}

// numberMail is the sender's mail: who, which message, and the link to
// the page where the new number is entered (never the note).
func (s *Service) numberMail(ctx context.Context, a NotifyNumberArgs) (*mailer.Message, error) {
	n, err := s.opt.Store.NumberRequestByID(ctx, a.OrgID, a.RequestID)
	if err != nil {
		return nil, err
	}
	rc, ab, err := s.aboutRecipient(ctx, n.OrgID, n.RecipientID)
	if err != nil {
		return nil, err
	}
	msg, org, sender, subject := ab.msg, ab.org, ab.sender, ab.subject
	lang := sender.Language
	v := mailView{Lang: lang, Verify: EventNumber, URL: s.NumberRequestURL(n.UID), Data: map[string]any{"Recipient": rc.Address,
		"Subject": oneLine(subject), "Org": org.Name, "Sent": formatDate(msg.CreatedAt, lang), "Phone": rc.Display}}
	return s.composeSenderMail(ctx, v, EventNumber, sender, org)
}
