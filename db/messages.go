package db

import (
	"context"
	"fmt"
	"time"
)

// Message states.
const (
	StateHeld       = "held"
	StateReleased   = "released"
	StateSuperseded = "superseded"
	StateExpired    = "expired"
	StateRevoked    = "revoked"
)

// Message is one message that entered Sluis. Subject is sealed (vault
// field encryption); the bodies are encrypted blobs.
type Message struct {
	ID              int64
	UID             string // random, public id for links
	OrgID           int64
	SenderID        int64
	UnitID          int64
	State           string
	Subject         []byte
	HeaderMessageID string
	TextBlob        string
	HTMLBlob        string
	SafeHTMLBlob    string // the HTML body sanitized for reading; "" until the first read
	SafeHTMLVersion int    // the sanitizer version that made SafeHTMLBlob
	SafeHTMLBlocked int    // remote images SafeHTMLBlob holds back; -1 when not recorded (read the blob)
	Size            int64
	ReceiptTo       string // Disposition-Notification-To, when requested
	Problems        string // JSON list of control-block problems (masked)
	Defects         string // JSON list of what the MIME parser repaired ({"kind", "where"}); "" for none
	RawSHA256       string // hex SHA-256 of the message as the intake received it; "" when not kept
	CreatedAt       time.Time
	ReleasedAt      time.Time // zero while held
	ExpiresAt       time.Time
}

// Attachment is one attachment or inline part of a message.
type Attachment struct {
	ID          int64
	MessageID   int64
	Position    int
	BlobID      string
	Filename    []byte // sealed
	ContentType string
	ContentID   string
	Inline      bool
	Size        int64
}

// NewMessage is a message with its parts and recipients, inserted at once.
type NewMessage struct {
	Message     Message
	Attachments []Attachment
	Recipients  []Recipient
}

// InsertMessage stores a message, its attachments and its recipients in
// the transaction, and fills in their ids.
func (t *Tx) InsertMessage(ctx context.Context, nm *NewMessage) error {
	m := &nm.Message
	if m.State != StateHeld && m.State != StateReleased {
		return invalid("state", "bad_state", m.State)
	}
	var released any
	if !m.ReleasedAt.IsZero() {
		released = micros(m.ReleasedAt)
	}
	id, err := t.insert(ctx, `INSERT INTO messages (uid, org_id, sender_id, unit_id, state, subject, header_message_id,
		text_blob, html_blob, size, receipt_to, problems, defects, created_at, released_at, expires_at, raw_sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.UID, m.OrgID, m.SenderID, m.UnitID, m.State, m.Subject, m.HeaderMessageID, m.TextBlob, m.HTMLBlob,
		m.Size, m.ReceiptTo, m.Problems, m.Defects, micros(m.CreatedAt), released, micros(m.ExpiresAt), m.RawSHA256)
	if err != nil {
		return fmt.Errorf("inserting message: %w", err)
	}
	m.ID = id
	for i := range nm.Attachments {
		a := &nm.Attachments[i]
		a.MessageID, a.Position = id, i
		a.ID, err = t.insert(ctx, `INSERT INTO attachments (message_id, org_id, position, blob_id, filename, content_type, content_id, inline, size)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, m.OrgID, i, a.BlobID, a.Filename, a.ContentType, a.ContentID, boolInt(a.Inline), a.Size)
		if err != nil {
			return fmt.Errorf("inserting attachment: %w", err)
		}
	}
	for i := range nm.Recipients {
		r := &nm.Recipients[i]
		r.MessageID, r.OrgID, r.Position = id, m.OrgID, i
		if err := t.insertRecipient(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const messageColumns = `id, uid, org_id, sender_id, unit_id, state, subject, header_message_id, text_blob, html_blob,
	size, receipt_to, problems, defects, created_at, released_at, expires_at, raw_sha256, safe_html_blob, safe_html_version,
	safe_html_blocked`

func scanMessage(r interface{ Scan(...any) error }) (Message, error) {
	var m Message
	dest, finish := messageFields(&m)
	err := r.Scan(dest...)
	finish()
	return m, mapError(err)
}

// messageFields are where messageColumns scan into m, and what turns them
// into m's fields after the scan.
func messageFields(m *Message) (dest []any, finish func()) {
	var created, expires int64
	var released *int64
	return []any{&m.ID, &m.UID, &m.OrgID, &m.SenderID, &m.UnitID, &m.State, &m.Subject, &m.HeaderMessageID,
			&m.TextBlob, &m.HTMLBlob, &m.Size, &m.ReceiptTo, &m.Problems, &m.Defects, &created, &released, &expires,
			&m.RawSHA256, &m.SafeHTMLBlob, &m.SafeHTMLVersion, &m.SafeHTMLBlocked}, func() {
			m.CreatedAt, m.ExpiresAt = fromMicros(created), fromMicros(expires)
			if released != nil {
				m.ReleasedAt = fromMicros(*released)
			}
		}
}

// Message returns one message of an organisation.
func (s *Store) Message(ctx context.Context, orgID, id int64) (Message, error) {
	m, err := scanMessage(s.reader().queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Message{}, fmt.Errorf("message %d: %w", id, err)
	}
	return m, nil
}

// MessageByUID returns one message of an organisation by its public id.
func (s *Store) MessageByUID(ctx context.Context, orgID int64, uid string) (Message, error) {
	m, err := scanMessage(s.reader().queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE org_id = ? AND uid = ?`, orgID, uid))
	if err != nil {
		return Message{}, fmt.Errorf("message %s: %w", uid, err)
	}
	return m, nil
}

// Attachments lists a message's attachments in their order.
func (s *Store) Attachments(ctx context.Context, orgID, messageID int64) ([]Attachment, error) {
	rows, err := s.hot().query(ctx, `SELECT id, message_id, position, blob_id, filename, content_type, content_id, inline, size
		FROM attachments WHERE org_id = ? AND message_id = ? ORDER BY position`, orgID, messageID)
	if err != nil {
		return nil, fmt.Errorf("listing attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var inline int64
		if err := rows.Scan(&a.ID, &a.MessageID, &a.Position, &a.BlobID, &a.Filename, &a.ContentType, &a.ContentID, &inline, &a.Size); err != nil {
			return nil, err
		}
		a.Inline = inline != 0
		out = append(out, a)
	}
	return out, rows.Err()
}

// BlobReferenced reports whether any message or attachment points at a
// blob (replies and the secure channel's messages included): the orphan sweeper deletes old blobs that nothing references.
func (s *Store) BlobReferenced(ctx context.Context, blobID string) (bool, error) {
	var n int
	err := s.reader().queryRow(ctx, `SELECT (SELECT COUNT(*) FROM messages WHERE text_blob = ? OR html_blob = ? OR safe_html_blob = ?)
		+ (SELECT COUNT(*) FROM attachments WHERE blob_id = ?)
		+ (SELECT COUNT(*) FROM replies WHERE text_blob = ?)
		+ (SELECT COUNT(*) FROM reply_attachments WHERE blob_id = ?)
		+ (SELECT COUNT(*) FROM channel_messages WHERE text_blob = ?)
		+ (SELECT COUNT(*) FROM channel_attachments WHERE blob_id = ?)`,
		blobID, blobID, blobID, blobID, blobID, blobID, blobID, blobID).Scan(&n)
	return n > 0, mapError(err)
}

// SetSafeHTML records the blob of a message's sanitized HTML body, the
// sanitizer version that made it and the count of remote images it holds
// back, unless the message already has one of that version or newer
// (another reader was first); it reports whether blobID was recorded. A
// blob it replaces, or one not recorded, is left to the orphan sweeper.
func (s *Store) SetSafeHTML(ctx context.Context, orgID, id int64, blobID string, version, blocked int) (bool, error) {
	res, err := s.writer().exec(ctx, `UPDATE messages SET safe_html_blob = ?, safe_html_version = ?, safe_html_blocked = ?
		WHERE org_id = ? AND id = ? AND safe_html_version < ?`, blobID, version, blocked, orgID, id, version)
	if err != nil {
		return false, fmt.Errorf("recording the sanitized body of message %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseMessage moves a held message to released, once: it fails with
// ErrNotFound when the message is not held (already sent, superseded…).
func (t *Tx) ReleaseMessage(ctx context.Context, orgID, id int64, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE messages SET state = 'released', released_at = ? WHERE org_id = ? AND id = ? AND state = 'held'`,
		micros(at), orgID, id)
	return t.s.expectOne(res, err)
}
