package db

import (
	"context"
	"fmt"
	"time"
)

// Reply is a recipient's answer to a message, stored like a message: the
// body in an encrypted blob, attachment names sealed.
type Reply struct {
	ID          int64
	UID         string // random, public id for the sender's link
	OrgID       int64
	MessageID   int64
	RecipientID int64
	TextBlob    string
	Size        int64
	CreatedAt   time.Time
}

// ReplyAttachment is one file attached to a reply.
type ReplyAttachment struct {
	ID          int64
	ReplyID     int64
	Position    int
	BlobID      string
	Filename    []byte // sealed
	ContentType string
	Size        int64
}

// NewReply is a reply with its attachments, inserted at once.
type NewReply struct {
	Reply       Reply
	Attachments []ReplyAttachment
}

// InsertReply stores a reply and its attachments in the transaction, fills
// in their ids and marks the recipient replied.
func (t *Tx) InsertReply(ctx context.Context, nr *NewReply) error {
	r := &nr.Reply
	id, err := t.insert(ctx, `INSERT INTO replies (uid, org_id, message_id, recipient_id, text_blob, size, created_at)
		SELECT ?, org_id, message_id, id, ?, ?, ? FROM recipients WHERE org_id = ? AND id = ? AND message_id = ?`,
		r.UID, r.TextBlob, r.Size, micros(r.CreatedAt), r.OrgID, r.RecipientID, r.MessageID)
	if err != nil {
		return fmt.Errorf("inserting reply: %w", err)
	}
	r.ID = id
	for i := range nr.Attachments {
		a := &nr.Attachments[i]
		a.ReplyID, a.Position = id, i
		a.ID, err = t.insert(ctx, `INSERT INTO reply_attachments (reply_id, org_id, position, blob_id, filename, content_type, size)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, r.OrgID, i, a.BlobID, a.Filename, a.ContentType, a.Size)
		if err != nil {
			return fmt.Errorf("inserting reply attachment: %w", err)
		}
	}
	return t.MarkReplied(ctx, r.OrgID, r.RecipientID, r.CreatedAt)
}

const replyColumns = `id, uid, org_id, message_id, recipient_id, text_blob, size, created_at`

func scanReply(r interface{ Scan(...any) error }) (Reply, error) {
	var x Reply
	var created int64
	err := r.Scan(&x.ID, &x.UID, &x.OrgID, &x.MessageID, &x.RecipientID, &x.TextBlob, &x.Size, &created)
	x.CreatedAt = fromMicros(created)
	return x, mapError(err)
}

// Reply returns one reply of the organisation.
func (s *Store) Reply(ctx context.Context, orgID, id int64) (Reply, error) {
	r, err := scanReply(s.reader().queryRow(ctx, `SELECT `+replyColumns+` FROM replies WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Reply{}, fmt.Errorf("reply %d: %w", id, err)
	}
	return r, nil
}

// Replies lists the replies to a message, oldest first.
func (s *Store) Replies(ctx context.Context, orgID, messageID int64) ([]Reply, error) {
	rows, err := s.reader().query(ctx, `SELECT `+replyColumns+` FROM replies WHERE org_id = ? AND message_id = ? ORDER BY created_at, id`,
		orgID, messageID)
	if err != nil {
		return nil, fmt.Errorf("listing replies: %w", err)
	}
	defer rows.Close()
	var out []Reply
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReplyAttachments lists a reply's attachments in their order.
func (s *Store) ReplyAttachments(ctx context.Context, orgID, replyID int64) ([]ReplyAttachment, error) {
	rows, err := s.reader().query(ctx, `SELECT id, reply_id, position, blob_id, filename, content_type, size
		FROM reply_attachments WHERE org_id = ? AND reply_id = ? ORDER BY position`, orgID, replyID)
	if err != nil {
		return nil, fmt.Errorf("listing reply attachments: %w", err)
	}
	defer rows.Close()
	var out []ReplyAttachment
	for rows.Next() {
		var a ReplyAttachment
		if err := rows.Scan(&a.ID, &a.ReplyID, &a.Position, &a.BlobID, &a.Filename, &a.ContentType, &a.Size); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RepliesSince counts a recipient's replies since a time, for the limit
// on replies.
// RepliesSinceLocked is RepliesSince inside tx, after locking the
// recipient's row on PostgreSQL so that concurrent replies count one after
// the other (SQLite's single writer already does).
func (t *Tx) RepliesSinceLocked(ctx context.Context, orgID, recipientID int64, since time.Time) (int, error) {
	if t.s.dialect == Postgres {
		var id int64
		if err := t.queryRow(ctx, `SELECT id FROM recipients WHERE org_id = ? AND id = ? FOR UPDATE`, orgID, recipientID).Scan(&id); err != nil {
			return 0, mapError(err)
		}
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM replies WHERE org_id = ? AND recipient_id = ? AND created_at > ?`,
		orgID, recipientID, micros(since)).Scan(&n)
	return n, mapError(err)
}

func (s *Store) RepliesSince(ctx context.Context, orgID, recipientID int64, since time.Time) (int, error) {
	var n int
	err := s.reader().queryRow(ctx, `SELECT COUNT(*) FROM replies WHERE org_id = ? AND recipient_id = ? AND created_at > ?`,
		orgID, recipientID, micros(since)).Scan(&n)
	return n, mapError(err)
}
