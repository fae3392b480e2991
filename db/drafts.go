package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// SentQuery selects a page of a sender's messages.
type SentQuery struct {
	Limit  int // default 50, at most 200
	Offset int
	// States keeps only messages in these states (all when empty).
	States []string
	// Recipient keeps only messages with a recipient whose address
	// contains it (case-insensitive); IDs adds messages by id whatever
	// their recipients (the ones whose sealed subject matched, which SQL
	// cannot see). Both empty: no such filter.
	Recipient string
	IDs       []int64
}

// SentMessages lists a sender's messages, held drafts included, newest
// first. It walks the messages_sender index; the recipient filter looks
// up each candidate's recipients by recipients_message.
func (s *Store) SentMessages(ctx context.Context, orgID, senderID int64, q SentQuery) ([]Message, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	where, args := `org_id = ? AND sender_id = ?`, []any{orgID, senderID}
	if len(q.States) > 0 {
		where += ` AND state IN (?` + strings.Repeat(`, ?`, len(q.States)-1) + `)`
		for _, st := range q.States {
			args = append(args, st)
		}
	}
	if q.Recipient != "" || len(q.IDs) > 0 {
		var or []string
		if q.Recipient != "" {
			or = append(or, `EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = messages.id AND r.org_id = messages.org_id
				AND lower(r.address) LIKE ? ESCAPE '\')`)
			args = append(args, "%"+escapeLike(strings.ToLower(q.Recipient))+"%")
		}
		if len(q.IDs) > 0 {
			or = append(or, `id IN (?`+strings.Repeat(`, ?`, len(q.IDs)-1)+`)`)
			for _, id := range q.IDs {
				args = append(args, id)
			}
		}
		where += ` AND (` + strings.Join(or, ` OR `) + `)`
	}
	return s.messages(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
}

// HeldDrafts lists a sender's held drafts, oldest first.
func (s *Store) HeldDrafts(ctx context.Context, orgID, senderID int64) ([]Message, error) {
	return s.messages(ctx, `SELECT `+messageColumns+` FROM messages WHERE org_id = ? AND sender_id = ? AND state = 'held'
		ORDER BY created_at, id`, orgID, senderID)
}

// DraftsDue lists held drafts, of any organisation, that expire before t
// and, when unreminded is set, whose sender was not reminded yet.
func (s *Store) DraftsDue(ctx context.Context, t time.Time, unreminded bool, limit int) ([]Message, error) {
	q := `SELECT ` + messageColumns + ` FROM messages WHERE state = 'held' AND expires_at <= ?`
	if unreminded {
		q += ` AND reminded_at IS NULL`
	}
	return s.messages(ctx, q+` ORDER BY expires_at LIMIT ?`, micros(t), limit)
}

func (s *Store) messages(ctx context.Context, query string, args ...any) ([]Message, error) {
	rows, err := s.reader().query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkReminded records that a draft's sender was reminded; false when
// someone else did it first or the draft is no longer held.
func (t *Tx) MarkReminded(ctx context.Context, orgID, id int64, at time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE messages SET reminded_at = ? WHERE org_id = ? AND id = ? AND state = 'held' AND reminded_at IS NULL`,
		micros(at), orgID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SupersedeDraft marks a held draft superseded (sent again from the mail
// program); false when it was no longer held.
func (s *Store) SupersedeDraft(ctx context.Context, orgID, id int64) (bool, error) {
	res, err := s.writer().exec(ctx, `UPDATE messages SET state = 'superseded' WHERE org_id = ? AND id = ? AND state = 'held'`, orgID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ExpireDraft marks a held draft expired and forgets its content: the
// bodies' and attachments' blob ids are returned for deletion; the rows
// that make up the status stay.
func (s *Store) ExpireDraft(ctx context.Context, orgID, id int64) (blobs []string, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		var text, html string
		err := tx.queryRow(ctx, `SELECT text_blob, html_blob FROM messages WHERE org_id = ? AND id = ? AND state = 'held'`,
			orgID, id).Scan(&text, &html)
		if err != nil {
			return mapError(err)
		}
		if _, err := tx.exec(ctx, `UPDATE messages SET state = 'expired', text_blob = '', html_blob = '', safe_html_blob = '' WHERE org_id = ? AND id = ?`,
			orgID, id); err != nil {
			return err
		}
		blobs = append(blobs, text, html)
		rows, err := tx.query(ctx, `DELETE FROM attachments WHERE org_id = ? AND message_id = ? RETURNING blob_id`, orgID, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				return err
			}
			blobs = append(blobs, b)
		}
		return rows.Err()
	})
	return nonEmpty(blobs), err
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// RecipientData is verification data a sender typed for one recipient of
// a held draft.
type RecipientData struct {
	RecipientID    int64
	Method         string
	Phone          string
	AccessCodeHash string
	AccessCodeHint string
	Display        string
	Source         string
}

// CompleteRecipient fills in a held draft's recipient's data and clears
// its problem, in the transaction that releases the draft.
func (t *Tx) CompleteRecipient(ctx context.Context, orgID, messageID int64, d RecipientData) error {
	if d.Method != MethodSMS && d.Method != MethodAccessCode {
		return invalid("method", "bad_method", d.Method)
	}
	if err := checkE164(d.Phone); err != nil {
		return err
	}
	return t.s.expectOne(t.exec(ctx, `UPDATE recipients SET method = ?, phone = ?, access_code_hash = ?, access_code_hint = ?,
		display = ?, data_source = ?, problem = '' WHERE org_id = ? AND message_id = ? AND id = ?
		AND EXISTS (SELECT 1 FROM messages WHERE id = ? AND state = 'held')`,
		d.Method, d.Phone, d.AccessCodeHash, d.AccessCodeHint, d.Display, d.Source, orgID, messageID, d.RecipientID, messageID))
}

// RecipientsTx lists a message's recipients inside a transaction.
func (t *Tx) RecipientsTx(ctx context.Context, orgID, messageID int64) ([]Recipient, error) {
	return listRecipients(ctx, t.conn, orgID, messageID)
}

// ReleaseDraft moves a held draft to released, once, with its new expiry:
// ErrNotFound when it is not held (sent already, superseded, expired).
func (t *Tx) ReleaseDraft(ctx context.Context, orgID, id int64, at, expires time.Time) error {
	res, err := t.exec(ctx, `UPDATE messages SET state = 'released', released_at = ?, expires_at = ? WHERE org_id = ? AND id = ? AND state = 'held'`,
		micros(at), micros(expires), orgID, id)
	return t.s.expectOne(res, err)
}
