package db

import (
	"context"
	"fmt"
	"time"
)

// Verification methods of a recipient.
const (
	MethodSMS        = "sms"
	MethodAccessCode = "access_code"
	MethodSignIn     = "signin" // the organisation's own users sign in
	MethodMail       = "mail"   // a code mailed to the address itself (the secure channel's answers)
	MethodNone       = "none"   // no data: the message is held
)

// Recipient statuses.
const (
	StatusPending  = "pending"
	StatusNotified = "notified"
	StatusBounced  = "bounced"
)

// Recipient is one recipient of one message, with the verification data
// resolution chose and the recipient's status.
type Recipient struct {
	ID             int64
	MessageID      int64
	OrgID          int64
	Position       int
	Address        string
	Field          string // to, cc or bcc
	Internal       bool
	Method         string
	Phone          string
	AccessCodeHash string
	AccessCodeHint string
	DataSource     string // control_block, personal, org_address, org_domain, policy, internal
	Display        string // masked data for people: "+31 6 ●●●● ●●78", "access code"
	Problem        string // why data is missing, a translation key; "" when complete
	Status         string
	StatusAt       time.Time
	LinkNonce      string
	TokenHash      string
	NotifiedAt     time.Time
	Bounce         string
}

func (t *Tx) insertRecipient(ctx context.Context, r *Recipient) error {
	if r.Status == "" {
		r.Status = StatusPending
	}
	var err error
	r.ID, err = t.insert(ctx, `INSERT INTO recipients (message_id, org_id, position, address, field, internal, method, phone,
		access_code_hash, access_code_hint, data_source, display, problem, status, status_at, link_nonce, token_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.MessageID, r.OrgID, r.Position, r.Address, r.Field, boolInt(r.Internal), r.Method, r.Phone,
		r.AccessCodeHash, r.AccessCodeHint, r.DataSource, r.Display, r.Problem, r.Status, micros(r.StatusAt), r.LinkNonce, r.TokenHash)
	if err != nil {
		return fmt.Errorf("inserting recipient: %w", err)
	}
	return nil
}

const recipientColumns = `id, message_id, org_id, position, address, field, internal, method, phone, access_code_hash,
	access_code_hint, data_source, display, problem, status, status_at, link_nonce, token_hash, notified_at, bounce`

func scanRecipient(r interface{ Scan(...any) error }) (Recipient, error) {
	var x Recipient
	dest, finish := recipientFields(&x)
	err := r.Scan(dest...)
	finish()
	return x, mapError(err)
}

// recipientFields are where recipientColumns scan into x, and what turns
// them into x's fields after the scan.
func recipientFields(x *Recipient) (dest []any, finish func()) {
	var internal, statusAt int64
	var notified *int64
	return []any{&x.ID, &x.MessageID, &x.OrgID, &x.Position, &x.Address, &x.Field, &internal, &x.Method, &x.Phone,
			&x.AccessCodeHash, &x.AccessCodeHint, &x.DataSource, &x.Display, &x.Problem, &x.Status, &statusAt,
			&x.LinkNonce, &x.TokenHash, &notified, &x.Bounce}, func() {
			x.Internal, x.StatusAt = internal != 0, fromMicros(statusAt)
			if notified != nil {
				x.NotifiedAt = fromMicros(*notified)
			}
		}
}

// Recipients lists a message's recipients in their order.
func (s *Store) Recipients(ctx context.Context, orgID, messageID int64) ([]Recipient, error) {
	return listRecipients(ctx, s.reader(), orgID, messageID)
}

func listRecipients(ctx context.Context, c conn, orgID, messageID int64) ([]Recipient, error) {
	out, err := collect[Recipient](c.query(ctx, `SELECT `+recipientColumns+` FROM recipients
		WHERE org_id = ? AND message_id = ? ORDER BY position`, orgID, messageID))(scanRecipient)
	if err != nil {
		return nil, fmt.Errorf("listing recipients: %w", err)
	}
	return out, nil
}

// Recipient returns one recipient of the organisation.
func (s *Store) Recipient(ctx context.Context, orgID, id int64) (Recipient, error) {
	r, err := scanRecipient(s.reader().queryRow(ctx, `SELECT `+recipientColumns+` FROM recipients WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Recipient{}, fmt.Errorf("recipient %d: %w", id, err)
	}
	return r, nil
}

// RecipientByToken finds the recipient a link token hash belongs to, in
// any organisation: the token is the only key a recipient has.
func (s *Store) RecipientByToken(ctx context.Context, tokenHash string) (Recipient, error) {
	r, err := scanRecipient(s.reader().queryRow(ctx, `SELECT `+recipientColumns+` FROM recipients WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return Recipient{}, fmt.Errorf("recipient by token: %w", err)
	}
	return r, nil
}

// MarkNotified records that a recipient's notification was accepted by the relay.
func (s *Store) MarkNotified(ctx context.Context, orgID, id int64, at time.Time) error {
	return s.expectOne(s.writer().exec(ctx, markNotified, micros(at), micros(at), orgID, id))
}

// MarkNotified is Store.MarkNotified inside the transaction.
func (t *Tx) MarkNotified(ctx context.Context, orgID, id int64, at time.Time) error {
	return t.s.expectOne(t.exec(ctx, markNotified, micros(at), micros(at), orgID, id))
}

const markNotified = `UPDATE recipients SET status = CASE WHEN status = 'pending' THEN 'notified' ELSE status END,
	status_at = ?, notified_at = ? WHERE org_id = ? AND id = ?`

// MarkBounced records that the relay refused a recipient's notification for good.
func (s *Store) MarkBounced(ctx context.Context, orgID, id int64, at time.Time, reason string) error {
	return s.expectOne(s.writer().exec(ctx, `UPDATE recipients SET status = 'bounced', status_at = ?, bounce = ? WHERE org_id = ? AND id = ?`,
		micros(at), clip(reason), orgID, id))
}
