package db

import (
	"context"
	"fmt"
	"time"
)

// Read-receipt states.
const (
	ReceiptQueued   = "queued"   // the reader (or the rule) said yes; the job sends it
	ReceiptSent     = "sent"     // the relay took the notification
	ReceiptDeclined = "declined" // the reader said no
	ReceiptFailed   = "failed"   // the relay refused it for good
)

// Read-receipt actions (RFC 8098 action modes).
const (
	ReceiptManual    = "manual"
	ReceiptAutomatic = "automatic"
)

// ReadReceipt is the decision about one recipient's read receipt.
type ReadReceipt struct {
	ID          int64
	OrgID       int64
	MessageID   int64
	RecipientID int64
	SendTo      string
	Action      string
	State       string
	DecidedAt   time.Time
	SentAt      time.Time // zero until sent
}

const receiptColumns = `id, org_id, message_id, recipient_id, send_to, action, state, decided_at, sent_at`

func scanReceipt(r interface{ Scan(...any) error }) (ReadReceipt, error) {
	var rr ReadReceipt
	var decided int64
	var sent *int64
	err := r.Scan(&rr.ID, &rr.OrgID, &rr.MessageID, &rr.RecipientID, &rr.SendTo, &rr.Action, &rr.State, &decided, &sent)
	rr.DecidedAt = fromMicros(decided)
	if sent != nil {
		rr.SentAt = fromMicros(*sent)
	}
	return rr, mapError(err)
}

// InsertReadReceipt records a decision, once per recipient: ErrDuplicate
// when the recipient's reader decided already.
func (t *Tx) InsertReadReceipt(ctx context.Context, rr *ReadReceipt) error {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM read_receipts WHERE recipient_id = ?`, rr.RecipientID).Scan(&n); err != nil {
		return mapError(err)
	}
	if n > 0 {
		return fmt.Errorf("read receipt of recipient %d: %w", rr.RecipientID, ErrDuplicate)
	}
	id, err := t.insert(ctx, `INSERT INTO read_receipts (org_id, message_id, recipient_id, send_to, action, state, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, rr.OrgID, rr.MessageID, rr.RecipientID, clip(rr.SendTo), rr.Action, rr.State, micros(rr.DecidedAt))
	if err != nil {
		return fmt.Errorf("inserting read receipt: %w", mapError(err))
	}
	rr.ID = id
	return nil
}

// ReadReceipt returns one read receipt of an organisation.
func (s *Store) ReadReceipt(ctx context.Context, orgID, id int64) (ReadReceipt, error) {
	rr, err := scanReceipt(s.reader().queryRow(ctx, `SELECT `+receiptColumns+` FROM read_receipts WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return ReadReceipt{}, fmt.Errorf("read receipt %d: %w", id, err)
	}
	return rr, nil
}

// ReceiptOf returns the decision about a recipient's read receipt, or
// ErrNotFound while there is none.
func (s *Store) ReceiptOf(ctx context.Context, orgID, recipientID int64) (ReadReceipt, error) {
	rr, err := scanReceipt(s.reader().queryRow(ctx, `SELECT `+receiptColumns+` FROM read_receipts WHERE org_id = ? AND recipient_id = ?`,
		orgID, recipientID))
	if err != nil {
		return ReadReceipt{}, fmt.Errorf("read receipt of recipient %d: %w", recipientID, err)
	}
	return rr, nil
}

// ReadReceipts lists a message's read receipts by recipient id.
func (s *Store) ReadReceipts(ctx context.Context, orgID, messageID int64) (map[int64]ReadReceipt, error) {
	rows, err := s.reader().query(ctx, `SELECT `+receiptColumns+` FROM read_receipts WHERE org_id = ? AND message_id = ?`, orgID, messageID)
	if err != nil {
		return nil, fmt.Errorf("listing read receipts: %w", err)
	}
	defer rows.Close()
	out := map[int64]ReadReceipt{}
	for rows.Next() {
		rr, err := scanReceipt(rows)
		if err != nil {
			return nil, err
		}
		out[rr.RecipientID] = rr
	}
	return out, rows.Err()
}

// FinishReadReceipt records the relay's answer: sent (at) or failed.
func (s *Store) FinishReadReceipt(ctx context.Context, orgID, id int64, state string, at time.Time) error {
	var sent any
	if state == ReceiptSent {
		sent = micros(at)
	}
	return s.expectOne(s.writer().exec(ctx, `UPDATE read_receipts SET state = ?, sent_at = ? WHERE org_id = ? AND id = ? AND state = 'queued'`,
		state, sent, orgID, id))
}

// SetReceiptRequest sets (or, with "", clears) the address a held draft's
// read receipt goes to: the sender's checkbox, in the transaction that
// releases the draft. ErrNotFound when the draft is no longer held.
func (t *Tx) SetReceiptRequest(ctx context.Context, orgID, messageID int64, addr string) error {
	return t.s.expectOne(t.exec(ctx, `UPDATE messages SET receipt_to = ? WHERE org_id = ? AND id = ? AND state = 'held'`,
		clip(addr), orgID, messageID))
}
