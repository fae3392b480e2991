package db

import (
	"context"
	"fmt"
	"time"
)

// SourceRecipientRequest: the sender entered the data after the recipient
// said "this is not my number any more".
const SourceRecipientRequest = "recipient-request"

// NumberRequest is a recipient's "this is not my number any more".
type NumberRequest struct {
	ID          int64
	UID         string
	OrgID       int64
	MessageID   int64
	RecipientID int64
	Network     string
	OldDisplay  string // the masked number the recipient saw
	Note        []byte // sealed by delivery; nil when none
	Mailed      bool
	CreatedAt   time.Time
	DoneAt      time.Time // zero while open
	DoneBy      int64
}

const numberRequestColumns = `id, uid, org_id, message_id, recipient_id, network, old_display, note, mailed, created_at, done_at, done_by`

func scanNumberRequest(r interface{ Scan(...any) error }) (NumberRequest, error) {
	var n NumberRequest
	var mailed, created int64
	var done, by *int64
	err := r.Scan(&n.ID, &n.UID, &n.OrgID, &n.MessageID, &n.RecipientID, &n.Network, &n.OldDisplay, &n.Note, &mailed, &created, &done, &by)
	n.Mailed, n.CreatedAt = mailed != 0, fromMicros(created)
	if done != nil {
		n.DoneAt = fromMicros(*done)
	}
	if by != nil {
		n.DoneBy = *by
	}
	return n, mapError(err)
}

// NumberRequestCounts are the counts the limits of new requests read, in
// the transaction that adds one.
type NumberRequestCounts struct {
	Network int // requests from the network since the network window began
	Mailed  int // requests of the recipient that mailed the sender since the link window began
}

// CountNumberRequests counts an organisation's recent requests from a
// network, and those of one recipient that mailed the sender.
func (t *Tx) CountNumberRequests(ctx context.Context, orgID, recipientID int64, network string, networkSince, linkSince time.Time) (NumberRequestCounts, error) {
	var c NumberRequestCounts
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM number_requests WHERE org_id = ? AND network = ? AND created_at > ?`,
		orgID, network, micros(networkSince)).Scan(&c.Network)
	if err != nil {
		return c, fmt.Errorf("counting a network's number requests: %w", err)
	}
	err = t.queryRow(ctx, `SELECT COUNT(*) FROM number_requests WHERE org_id = ? AND recipient_id = ? AND mailed = 1 AND created_at > ?`,
		orgID, recipientID, micros(linkSince)).Scan(&c.Mailed)
	if err != nil {
		return c, fmt.Errorf("counting a recipient's number requests: %w", err)
	}
	return c, nil
}

// AddNumberRequest stores a request; the recipient must be the
// organisation's.
func (t *Tx) AddNumberRequest(ctx context.Context, n *NumberRequest) error {
	var err error
	n.ID, err = t.insert(ctx, `INSERT INTO number_requests (uid, org_id, message_id, recipient_id, network, old_display, note, mailed, created_at)
		SELECT ?, org_id, message_id, id, ?, display, ?, ?, ? FROM recipients WHERE org_id = ? AND id = ? AND message_id = ?`,
		n.UID, n.Network, n.Note, boolInt(n.Mailed), micros(n.CreatedAt), n.OrgID, n.RecipientID, n.MessageID)
	if err != nil {
		return fmt.Errorf("storing a number request: %w", mapError(err))
	}
	return nil
}

// NumberRequestByUID returns the organisation's request with this uid.
func (s *Store) NumberRequestByUID(ctx context.Context, orgID int64, uid string) (NumberRequest, error) {
	n, err := scanNumberRequest(s.reader().queryRow(ctx, `SELECT `+numberRequestColumns+` FROM number_requests
		WHERE org_id = ? AND uid = ?`, orgID, uid))
	if err != nil {
		return NumberRequest{}, fmt.Errorf("number request: %w", err)
	}
	return n, nil
}

// NumberRequestByID returns one of the organisation's requests.
func (s *Store) NumberRequestByID(ctx context.Context, orgID, id int64) (NumberRequest, error) {
	n, err := scanNumberRequest(s.reader().queryRow(ctx, `SELECT `+numberRequestColumns+` FROM number_requests
		WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return NumberRequest{}, fmt.Errorf("number request %d: %w", id, err)
	}
	return n, nil
}

// CloseNumberRequests marks every open request of a recipient done: the
// sender answered one, which answers them all. ErrNotFound when none was
// open (answered meanwhile).
func (t *Tx) CloseNumberRequests(ctx context.Context, orgID, recipientID, userID int64, at time.Time) error {
	return t.s.expectOne(t.exec(ctx, `UPDATE number_requests SET done_at = ?, done_by = ?
		WHERE org_id = ? AND recipient_id = ? AND done_at IS NULL`, micros(at), userID, orgID, recipientID))
}

// ChangeRecipientData gives a released message's recipient new
// verification data and a new link (nonce and token hash), and puts it
// back to pending so that the notification job mails the new link. The
// live code, if any, and the recipient's sessions end with the old data.
func (t *Tx) ChangeRecipientData(ctx context.Context, orgID int64, d RecipientData, nonce, tokenHash string, at time.Time) error {
	if d.Method != MethodSMS && d.Method != MethodAccessCode {
		return invalid("method", "bad_method", d.Method)
	}
	err := t.s.expectOne(t.exec(ctx, `UPDATE recipients SET method = ?, phone = ?, access_code_hash = ?, access_code_hint = ?,
		display = ?, data_source = ?, problem = '', link_nonce = ?, token_hash = ?, status = ?, status_at = ?
		WHERE org_id = ? AND id = ?`, d.Method, d.Phone, d.AccessCodeHash, d.AccessCodeHint, d.Display, d.Source,
		nonce, tokenHash, StatusPending, micros(at), orgID, d.RecipientID))
	if err != nil {
		return fmt.Errorf("changing recipient %d's data: %w", d.RecipientID, err)
	}
	if _, err := t.exec(ctx, `UPDATE recipient_challenges SET code_hash = '' WHERE org_id = ? AND recipient_id = ?`,
		orgID, d.RecipientID); err != nil {
		return fmt.Errorf("ending the live code: %w", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM recipient_sessions WHERE org_id = ? AND recipient_id = ?`, orgID, d.RecipientID); err != nil {
		return fmt.Errorf("ending the recipient's sessions: %w", err)
	}
	return nil
}
