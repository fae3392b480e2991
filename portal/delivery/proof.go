package delivery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluis/db"
)

// The sender's proof of delivery (NTA 7516: the sender can prove origin
// and delivery): per recipient, every event with its time, and the
// SHA-256 of the message as received. It is built from what outlives the
// purged content, the recipient rows, the read receipts, the replies'
// rows and the audit log, never from the bodies, so it still answers
// after the message has expired.

// Proof event kinds, in the order they usually happen.
const (
	EventAccepted   = "accepted"   // Sluis accepted the message (SMTP 250)
	EventReleased   = "released"   // the sender completed a held draft
	EventNotified   = "notified"   // the relay accepted the notification (Detail: its reply)
	EventBounced    = "bounced"    // the relay refused it for good (Detail: why)
	EventVerified   = "verified"   // the recipient proved who they are (Detail: the method)
	EventOpened     = "opened"     // first view of the message
	EventViewed     = "viewed"     // a view of the message page
	EventDownloaded = "downloaded" // an attachment (Detail: its name, or "file N" once purged)
	EventCopied     = "copied"     // the own copy (.eml) downloaded
	EventPrinted    = "printed"    // the print view shown
	EventReplied    = "replied"    // a reply
	EventReceipt    = "receipt"    // a read receipt decided (Detail: sent, declined, queued, failed)
	EventRevoked    = "revoked"    // the sender withdrew the message
	EventExpired    = "expired"    // the retention ended
)

// Proof is a message's proof of delivery.
type Proof struct {
	UID        string           `json:"message_uid"`
	Subject    string           `json:"subject"`
	Sender     string           `json:"sender"`
	Org        string           `json:"organisation"`
	SHA256     string           `json:"sha256"` // of the message as received; "" for mail from before it was kept
	Size       int64            `json:"size"`
	Received   time.Time        `json:"received"`
	State      string           `json:"state"`
	Generated  time.Time        `json:"generated"`
	Recipients []ProofRecipient `json:"recipients"`
}

// ProofRecipient is one recipient's part of the proof.
type ProofRecipient struct {
	Address string       `json:"address"`
	Field   string       `json:"field"`  // to, cc or bcc
	Method  string       `json:"method"` // sms, access_code or signin
	Events  []ProofEvent `json:"events"`
}

// ProofEvent is one thing that happened, and when.
type ProofEvent struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

// ProofOf builds the proof of one of the sender's messages and records
// that the sender asked for it (kind: KindProofView, KindProofPDF or
// KindProofJSON). A message of anyone else, or a held draft, is
// db.ErrNotFound.
func (s *Service) ProofOf(ctx context.Context, sender db.User, uid, kind, ip string) (Proof, error) {
	msg, err := s.SenderDraft(ctx, sender, uid)
	if err != nil {
		return Proof{}, err
	}
	if msg.State == db.StateHeld || msg.State == db.StateSuperseded {
		return Proof{}, fmt.Errorf("message %s was never sent: %w", uid, db.ErrNotFound)
	}
	p, err := s.proof(ctx, msg, sender)
	if err != nil {
		return Proof{}, err
	}
	e := db.AuditEvent{OrgID: msg.OrgID, At: p.Generated, ActorID: sender.ID, Kind: kind, Target: MessageTarget(msg.UID),
		IP: ip, Actor: "user:" + strconv.FormatInt(sender.ID, 10) + " " + sender.Email}
	return p, s.opt.Store.AppendAudit(ctx, e)
}

// proof gathers the events.
func (s *Service) proof(ctx context.Context, msg db.Message, sender db.User) (Proof, error) {
	org, err := s.opt.Store.Org(ctx, msg.OrgID)
	if err != nil {
		return Proof{}, err
	}
	p := Proof{UID: msg.UID, Sender: sender.Email, Org: org.Name, SHA256: msg.RawSHA256, Size: msg.Size,
		Received: msg.CreatedAt, State: msg.State, Generated: s.opt.Now().UTC()}
	if p.Subject, err = s.subject(msg); err != nil {
		return Proof{}, err
	}
	src, err := s.proofSources(ctx, msg)
	if err != nil {
		return Proof{}, err
	}
	for _, rs := range src.statuses {
		p.Recipients = append(p.Recipients, src.recipient(msg, rs, p.Generated))
	}
	return p, nil
}

// proofSources is everything the events come from, read once per message.
type proofSources struct {
	statuses []db.RecipientStatus
	relay    map[int64]string
	receipts map[int64]db.ReadReceipt
	replies  map[int64][]time.Time
	visits   map[string][]db.AuditEvent // by RecipientRef
	files    map[int]string             // position → name, while the content is kept
}

func (s *Service) proofSources(ctx context.Context, msg db.Message) (*proofSources, error) {
	st, src := s.opt.Store, &proofSources{replies: map[int64][]time.Time{}, visits: map[string][]db.AuditEvent{}, files: map[int]string{}}
	var err error
	if src.statuses, err = st.RecipientStatuses(ctx, msg.OrgID, msg.ID); err != nil {
		return nil, err
	}
	if src.relay, err = st.RelayReplies(ctx, msg.OrgID, msg.ID); err != nil {
		return nil, err
	}
	if src.receipts, err = st.ReadReceipts(ctx, msg.OrgID, msg.ID); err != nil {
		return nil, err
	}
	replies, err := st.Replies(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range replies {
		src.replies[r.RecipientID] = append(src.replies[r.RecipientID], r.CreatedAt)
	}
	events, err := st.AuditEventsOf(ctx, msg.OrgID, MessageTarget(msg.UID))
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		src.visits[e.After] = append(src.visits[e.After], e)
	}
	return src, s.proofFiles(ctx, msg, src.files)
}

// proofFiles names the message's files while they are kept.
func (s *Service) proofFiles(ctx context.Context, msg db.Message, into map[int]string) error {
	atts, err := s.opt.Store.Attachments(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return err
	}
	for _, a := range atts {
		name, err := s.attachmentName(msg, a)
		if err != nil {
			return err
		}
		into[a.Position] = name
	}
	return nil
}

// recipient lists one recipient's events, oldest first.
func (src *proofSources) recipient(msg db.Message, rs db.RecipientStatus, now time.Time) ProofRecipient {
	r := ProofRecipient{Address: rs.Address, Field: rs.Field, Method: rs.Method}
	add := func(at time.Time, kind, detail string) {
		if !at.IsZero() {
			r.Events = append(r.Events, ProofEvent{At: at.UTC(), Kind: kind, Detail: detail})
		}
	}
	add(msg.CreatedAt, EventAccepted, "")
	if !msg.ReleasedAt.IsZero() && msg.ReleasedAt.After(msg.CreatedAt) {
		add(msg.ReleasedAt, EventReleased, "")
	}
	add(rs.NotifiedAt, EventNotified, src.relay[rs.ID])
	if rs.Status == db.StatusBounced {
		add(rs.StatusAt, EventBounced, rs.Bounce)
	}
	add(rs.VerifiedAt, EventVerified, rs.Method)
	add(rs.OpenedAt, EventOpened, "")
	for _, e := range src.visits[RecipientRef(rs.ID)] {
		kind, detail := visitEvent(e, src.files)
		add(e.At, kind, detail)
	}
	for _, at := range src.replies[rs.ID] {
		add(at, EventReplied, "")
	}
	if rr, ok := src.receipts[rs.ID]; ok {
		add(rr.DecidedAt, EventReceipt, rr.State)
	}
	add(rs.RevokedAt, EventRevoked, "")
	if rs.RevokedAt.IsZero() && (msg.State == db.StateExpired || !now.Before(msg.ExpiresAt)) {
		add(msg.ExpiresAt, EventExpired, "")
	}
	slices.SortStableFunc(r.Events, func(a, b ProofEvent) int { return a.At.Compare(b.At) })
	return r
}

// visitEvent turns an audit event of a recipient into a proof event.
func visitEvent(e db.AuditEvent, files map[int]string) (kind, detail string) {
	switch e.Kind {
	case KindDownload:
		n, err := strconv.Atoi(strings.TrimPrefix(e.Detail, "file:"))
		if name, ok := files[n]; ok && err == nil {
			return EventDownloaded, name
		}
		return EventDownloaded, "file " + strings.TrimPrefix(e.Detail, "file:")
	case KindCopy:
		return EventCopied, ""
	case KindPrint:
		return EventPrinted, ""
	}
	return EventViewed, ""
}
