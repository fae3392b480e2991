package delivery

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"time"

	"sluis/db"
	"sluis/portal/mailhtml"
)

// Reading is delivery's other half: every view of a stored message, its
// files and its replies goes through the calls below, so who may read
// what, the opening of sealed fields, the sanitizing of bodies and what
// a first view records live here and nowhere else. Nothing in this
// package knows how the web serves what it returns.

// ErrClosed: the recipient can no longer read the message (withdrawn,
// expired, or revoked for them). Nothing of it is opened.
var ErrClosed = errors.New("delivery: the message can no longer be read")

// maxBody bounds a body read into memory to be shown.
const maxBody = 20 << 20

// inlineImageTypes are the images a body may show in place. SVG is not
// among them: it can carry script.
var inlineImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// ReceiptRule is the read-receipt rule that reading asks when a recipient
// views a message (portal/receipts implements it). It is an interface
// because receipts builds on delivery, not the other way round.
type ReceiptRule interface {
	// Opened sends a receipt the rule sends on its own and reports
	// whether to ask the reader.
	Opened(ctx context.Context, msg db.Message, rc db.Recipient) (ask bool, err error)
}

// Closed reports whether a recipient can no longer read the message: it
// was withdrawn or has expired, or the sender revoked this recipient.
func Closed(msg db.Message, rc db.Recipient, now time.Time) bool {
	return msg.State != db.StateReleased || rc.Status == db.StatusRevoked || !now.Before(msg.ExpiresAt)
}

// ReadRequest names the recipient whose view to open and how to show
// the body.
type ReadRequest struct {
	OrgID, RecipientID int64
	// RemoteImages loads the HTML body's remote images: the reader asked.
	RemoteImages bool
	// Text shows the plain-text part of a message that has both parts:
	// the reader asked.
	Text bool
	// Recipient and Message are the rows the caller loaded for this
	// request, if it did: they are checked as delivery checks its own, and
	// not loaded again. Each must be this recipient's.
	Recipient *db.Recipient
	Message   *db.Message
	// InlineURL is where the part at a position is served, for the HTML
	// body's cid: images; nil shows none of them. The sanitized body is
	// kept and shown to every reader of the message, so the URL must be
	// the same for all of them: relative to where the body is served.
	InlineURL func(position int) string
	// Visit is who reads, for the audit log (visits.go).
	Visit Visit
}

// MessageView is a message as one of its recipients reads it.
type MessageView struct {
	Subject       string
	SenderName    string // the display name, else the address
	SenderAddress string
	Org           string // the sender's organisation's name
	Date, Expires time.Time
	To, Cc        []string // the visible recipients; Bcc never shows
	Body          Body
	Attachments   []Attachment
	// ReceiptTo is the address a read receipt would go to when the rule
	// asks the reader; "" asks nothing.
	ReceiptTo string
	// Repaired: the parser had to repair the message's structure (its
	// defects are kept with the message), so part of it may not show as
	// its sender's program intended.
	Repaired bool
}

// Body is a message's body as its reader's page shows it: the plain-text
// part, escaped with its links made clickable, when it is to be shown;
// else the HTML part, which ReadHTML streams sanitized.
type Body struct {
	HTML    bool          // the message has an HTML part
	HasText bool          // the message has a plain-text part
	Text    template.HTML // the plain-text part, when shown
	Blocked int           // remote images of the HTML part not loaded
	// Page is the HTML part sanitized for showing in a page of its own
	// rather than the frame: only the print view fills it.
	Page template.HTML
}

// ShowsHTML reports whether the page shows the HTML part (through
// ReadHTML) rather than the text.
func (b Body) ShowsHTML() bool { return b.HTML && b.Text == "" }

// Attachment is one file of a message or a reply, described.
type Attachment struct {
	Position    int
	Name        string
	Size        int64
	ContentType string
	// Inline: an image the HTML body shows in place, which a list of the
	// files need not repeat.
	Inline bool
}

// File is one stored file, decrypted while it is read. The caller closes
// Body. A Body that fails half-way was tampered with or truncated: the
// caller must not pass what it read so far off as the whole file.
type File struct {
	Attachment
	Body io.ReadCloser
}

// Read opens a recipient's view of their message: the plaintext subject,
// the sender, the visible recipients, the body and the files. The first
// view is recorded as the recipient's opening; the read-receipt rule is
// asked on every view until the reader has decided. A recipient of
// another organisation, or one whose link cannot be used, is
// db.ErrNotFound; a message they can no longer read is ErrClosed.
func (s *Service) Read(ctx context.Context, req ReadRequest) (MessageView, error) {
	msg, rc, err := s.readableFor(ctx, req)
	if err != nil {
		return MessageView{}, err
	}
	v, err := s.messageView(ctx, msg, req)
	if err != nil {
		return MessageView{}, err
	}
	if err := s.markOpened(ctx, rc); err != nil {
		return MessageView{}, err
	}
	if err := s.auditVisit(ctx, KindView, msg, rc, req.Visit, ""); err != nil {
		return MessageView{}, err
	}
	if v.ReceiptTo, err = s.askReceipt(ctx, msg, rc); err != nil {
		return MessageView{}, err
	}
	return v, nil
}

// readable loads a recipient and their message, and checks that the
// recipient may read it now.
func (s *Service) readable(ctx context.Context, orgID, recipientID int64) (db.Message, db.Recipient, error) {
	rc, err := s.opt.Store.Recipient(ctx, orgID, recipientID)
	if err != nil {
		return db.Message{}, db.Recipient{}, err
	}
	msg, err := s.opt.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		return db.Message{}, db.Recipient{}, err
	}
	return s.check(msg, rc)
}

// check refuses a recipient who cannot read their message now.
func (s *Service) check(msg db.Message, rc db.Recipient) (db.Message, db.Recipient, error) {
	if msg.State == db.StateHeld || msg.State == db.StateSuperseded || rc.Method == db.MethodNone {
		return db.Message{}, db.Recipient{}, fmt.Errorf("recipient %d has no readable message: %w", rc.ID, db.ErrNotFound)
	}
	if Closed(msg, rc, s.opt.Now()) {
		return db.Message{}, db.Recipient{}, ErrClosed
	}
	return msg, rc, nil
}

// readableFor is readable for a request, using the rows its caller loaded
// when they are the recipient's.
func (s *Service) readableFor(ctx context.Context, req ReadRequest) (db.Message, db.Recipient, error) {
	if req.Recipient == nil || req.Message == nil {
		return s.readable(ctx, req.OrgID, req.RecipientID)
	}
	rc, msg := *req.Recipient, *req.Message
	if rc.ID != req.RecipientID || rc.OrgID != req.OrgID || msg.ID != rc.MessageID || msg.OrgID != rc.OrgID {
		return db.Message{}, db.Recipient{}, fmt.Errorf("recipient %d: rows of another recipient: %w", req.RecipientID, db.ErrNotFound)
	}
	return s.check(msg, rc)
}

// messageView opens what the recipient's page shows.
func (s *Service) messageView(ctx context.Context, msg db.Message, req ReadRequest) (MessageView, error) {
	org, sender, err := s.people(ctx, msg)
	if err != nil {
		return MessageView{}, err
	}
	v := MessageView{SenderName: senderName(sender), SenderAddress: sender.Email, Org: org.Name,
		Date: msg.CreatedAt, Expires: msg.ExpiresAt, Repaired: msg.Defects != ""}
	if v.Subject, err = s.subject(msg); err != nil {
		return MessageView{}, err
	}
	if v.To, v.Cc, err = s.visibleRecipients(ctx, msg); err != nil {
		return MessageView{}, err
	}
	atts, err := s.opt.Store.Attachments(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return MessageView{}, err
	}
	if v.Body, err = s.body(ctx, msg, atts, req); err != nil {
		return MessageView{}, err
	}
	v.Attachments, err = s.attachments(msg, atts, v.Body.ShowsHTML())
	return v, err
}

// visibleRecipients lists the To and Cc recipients; Bcc never shows.
func (s *Service) visibleRecipients(ctx context.Context, msg db.Message) (to, cc []string, err error) {
	rcpts, err := s.opt.Store.Recipients(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, rc := range rcpts {
		switch rc.Field {
		case "to":
			to = append(to, rc.Address)
		case "cc":
			cc = append(cc, rc.Address)
		}
	}
	return to, cc, nil
}

// body describes a message's body for the reader's page: the text when
// it is shown, else how many remote images the HTML part holds back (the
// HTML itself is streamed by ReadHTML, into a frame of its own).
func (s *Service) body(ctx context.Context, msg db.Message, atts []db.Attachment, req ReadRequest) (Body, error) {
	b := Body{HTML: msg.HTMLBlob != "", HasText: msg.TextBlob != ""}
	if b.HasText && (!b.HTML || req.Text) {
		text, err := s.readBlob(ctx, msg.TextBlob, maxBody)
		if err != nil {
			return Body{}, err
		}
		if b.Text = mailhtml.Text(text); b.Text != "" {
			return b, nil
		}
	}
	if !b.HTML || req.RemoteImages {
		return b, nil
	}
	if s.keptHTML(msg) && msg.SafeHTMLBlocked >= 0 {
		// Recorded with the kept body: the page need not open its blob
		// (an X25519 unwrap), only the frame does.
		b.Blocked = msg.SafeHTMLBlocked
		return b, nil
	}
	safe, err := s.safeHTML(ctx, msg, atts, req)
	if err != nil {
		return Body{}, err
	}
	b.Blocked = safe.Blocked
	return b, safe.Body.Close()
}

// embedded reports whether a part is an image the body may show by its
// Content-ID.
func embedded(a db.Attachment) bool { return a.ContentID != "" && inlineImageTypes[a.ContentType] }

// inlineURLs maps the Content-IDs of the message's images to their URLs.
func inlineURLs(atts []db.Attachment, url func(int) string) map[string]string {
	m := map[string]string{}
	for _, a := range atts {
		if url != nil && embedded(a) {
			m[a.ContentID] = url(a.Position)
		}
	}
	return m
}

// attachments describes the message's files, their names opened.
func (s *Service) attachments(msg db.Message, atts []db.Attachment, htmlBody bool) ([]Attachment, error) {
	out := make([]Attachment, 0, len(atts))
	for _, a := range atts {
		name, err := s.attachmentName(msg, a)
		if err != nil {
			return nil, err
		}
		out = append(out, Attachment{Position: a.Position, Name: name, Size: a.Size, ContentType: a.ContentType,
			Inline: a.Inline && embedded(a) && htmlBody})
	}
	return out, nil
}

// readBlob reads at most limit bytes of a blob, decrypted.
func (s *Service) readBlob(ctx context.Context, id string, limit int64) (string, error) {
	rc, err := s.opt.Vault.Open(ctx, id)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit))
	return string(b), errors.Join(err, rc.Close())
}

// markOpened records the first view; later views only read.
func (s *Service) markOpened(ctx context.Context, rc db.Recipient) error {
	p, err := s.opt.Store.RecipientProgress(ctx, rc.OrgID, rc.ID)
	if err != nil || !p.OpenedAt.IsZero() {
		return err
	}
	_, err = s.opt.Store.MarkOpened(ctx, rc.OrgID, rc.ID, s.opt.Now().UTC())
	return err
}

// askReceipt applies the read-receipt rule to a view: it returns the
// address to ask about, "" when there is no question (none requested,
// already decided, or sent on its own just now).
func (s *Service) askReceipt(ctx context.Context, msg db.Message, rc db.Recipient) (string, error) {
	if s.opt.Receipts == nil || msg.ReceiptTo == "" {
		return "", nil
	}
	ask, err := s.opt.Receipts.Opened(ctx, msg, rc)
	if err != nil || !ask {
		return "", err
	}
	return msg.ReceiptTo, nil
}
