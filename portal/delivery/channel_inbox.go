package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sluis/db"
	"sluis/portal/mime"
)

// The organisation's secure inbox: the users who read the messages
// written on its public page (/to/<domain>) after signing in, and answer
// them. An answer is an ordinary Sluis message from the user to the
// address the writer proved, verified by a code mailed to that address
// (method mail): the mailbox is all Sluis knows of the writer.
//
// Every call checks membership first; a user outside the inbox gets
// db.ErrNotFound for every message, as for a message that does not exist.

// Audit kinds of the inbox.
const (
	KindChannelRead     = "channel.read"     // a user of the inbox opened a channel message
	KindChannelDownload = "channel.download" // … downloaded one of its files (Detail "file:<position>")
	KindChannelAnswer   = "channel.answer"   // … answered it (After: the answer's message)
)

// ErrChannelAnswered: the channel message has an answer already.
var ErrChannelAnswered = errors.New("delivery: this message was answered already")

// InInbox reports whether the user is in the organisation's secure inbox
// (DESIGN: the setting's address; until set, the organisation's admins).
func (s *Service) InInbox(ctx context.Context, u db.User) (bool, error) {
	cs, err := s.opt.Store.ChannelSettings(ctx, u.OrgID)
	if err != nil {
		return false, err
	}
	return s.opt.Store.InboxMember(ctx, u.OrgID, u, cs.Inbox)
}

// member is InInbox as an error: db.ErrNotFound outside the inbox.
func (s *Service) member(ctx context.Context, u db.User) error {
	ok, err := s.InInbox(ctx, u)
	if err == nil && !ok {
		err = fmt.Errorf("user %d is not in the secure inbox: %w", u.ID, db.ErrNotFound)
	}
	return err
}

// InboxItem is a channel message as the inbox lists it.
type InboxItem struct {
	db.ChannelMessage
	Subject string
	Name    string // the writer's name as they gave it; "" when none
}

// InboxPage lists one page (from 1) of size channel messages, newest
// first; more says whether another page follows.
func (s *Service) InboxPage(ctx context.Context, u db.User, page, size int) (items []InboxItem, more bool, err error) {
	if err := s.member(ctx, u); err != nil {
		return nil, false, err
	}
	page = max(page, 1)
	msgs, err := s.opt.Store.ChannelMessages(ctx, u.OrgID, size+1, (page-1)*size)
	if err != nil {
		return nil, false, err
	}
	if len(msgs) > size {
		msgs, more = msgs[:size], true
	}
	for _, m := range msgs {
		it, err := s.inboxItem(m)
		if err != nil {
			return nil, false, err
		}
		items = append(items, it)
	}
	return items, more, nil
}

func (s *Service) inboxItem(m db.ChannelMessage) (InboxItem, error) {
	subject, err := s.ChannelSubject(m)
	if err != nil {
		return InboxItem{}, err
	}
	name, err := s.ChannelName(m)
	return InboxItem{ChannelMessage: m, Subject: subject, Name: name}, err
}

// InboxMessage is one channel message opened for a user of the inbox.
type InboxMessage struct {
	InboxItem
	Text       string // as written: plain text, for the page to escape
	Files      []Attachment
	AnsweredBy string // the user who answered, by name; "" when not answered
	AnswerUID  string // the answer's message, for /messages/<uid>; "" when not answered or purged
}

// ReadInbox opens a channel message for a user of the inbox: its sealed
// fields, its text, its files described. The first read is recorded on
// the message, every read in the audit log (before anything is shown).
func (s *Service) ReadInbox(ctx context.Context, u db.User, uid, ip string) (InboxMessage, error) {
	m, err := s.inboxMessage(ctx, u, uid)
	if err != nil {
		return InboxMessage{}, err
	}
	if err := s.auditInbox(ctx, u, m, KindChannelRead, ip, "", ""); err != nil {
		return InboxMessage{}, err
	}
	now := s.opt.Now().UTC()
	if _, err := s.opt.Store.MarkChannelRead(ctx, u.OrgID, m.ID, now); err != nil {
		return InboxMessage{}, err
	}
	if m.ReadAt.IsZero() {
		m.ReadAt = now
	}
	return s.openInbox(ctx, m)
}

// openInbox opens what the page shows of m.
func (s *Service) openInbox(ctx context.Context, m db.ChannelMessage) (InboxMessage, error) {
	it, err := s.inboxItem(m)
	if err != nil {
		return InboxMessage{}, err
	}
	out := InboxMessage{InboxItem: it}
	if out.Text, err = s.ChannelText(ctx, m); err != nil {
		return InboxMessage{}, err
	}
	files, err := s.opt.Store.ChannelAttachments(ctx, m.OrgID, m.ID)
	if err != nil {
		return InboxMessage{}, err
	}
	for _, a := range files {
		name, err := s.ChannelFileName(m, a)
		if err != nil {
			return InboxMessage{}, err
		}
		out.Files = append(out.Files, Attachment{Position: a.Position, Name: name, Size: a.Size, ContentType: a.ContentType})
	}
	return out, s.answerOf(ctx, m, &out)
}

// answerOf fills in who answered m and with which message.
func (s *Service) answerOf(ctx context.Context, m db.ChannelMessage, out *InboxMessage) error {
	if m.AnsweredAt.IsZero() {
		return nil
	}
	if m.AnsweredBy != 0 {
		by, err := s.opt.Store.User(ctx, m.OrgID, m.AnsweredBy)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		out.AnsweredBy = senderName(by)
	}
	if m.AnswerMessageID != 0 {
		msg, err := s.opt.Store.Message(ctx, m.OrgID, m.AnswerMessageID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		out.AnswerUID = msg.UID
	}
	return nil
}

// inboxMessage loads the organisation's channel message uid for a member.
func (s *Service) inboxMessage(ctx context.Context, u db.User, uid string) (db.ChannelMessage, error) {
	if err := s.member(ctx, u); err != nil {
		return db.ChannelMessage{}, err
	}
	return s.opt.Store.ChannelMessageByUID(ctx, u.OrgID, uid)
}

// DownloadInboxFile opens file n of a channel message for a user of the
// inbox; the download is in the audit log before a byte is sent. The
// caller closes the Body.
func (s *Service) DownloadInboxFile(ctx context.Context, u db.User, uid string, n int, ip string) (File, error) {
	m, err := s.inboxMessage(ctx, u, uid)
	if err != nil {
		return File{}, err
	}
	files, err := s.opt.Store.ChannelAttachments(ctx, u.OrgID, m.ID)
	if err != nil {
		return File{}, err
	}
	for _, a := range files {
		if a.Position != n {
			continue
		}
		name, err := s.ChannelFileName(m, a)
		if err != nil {
			return File{}, err
		}
		if err := s.auditInbox(ctx, u, m, KindChannelDownload, ip, "file:"+strconv.Itoa(n), ""); err != nil {
			return File{}, err
		}
		return s.openFile(ctx, a.BlobID, Attachment{Position: n, Name: name, Size: a.Size, ContentType: a.ContentType})
	}
	return File{}, fmt.Errorf("channel message %d has no file %d: %w", m.ID, n, db.ErrNotFound)
}

// auditInbox records what a user of the inbox did with a channel message.
func (s *Service) auditInbox(ctx context.Context, u db.User, m db.ChannelMessage, kind, ip, detail, after string) error {
	return s.opt.Store.AppendAudit(ctx, inboxEvent(u, m, kind, ip, detail, after, s.opt.Now().UTC()))
}

func inboxEvent(u db.User, m db.ChannelMessage, kind, ip, detail, after string, at time.Time) db.AuditEvent {
	return db.AuditEvent{OrgID: m.OrgID, At: at, ActorID: u.ID, Actor: "user:" + strconv.FormatInt(u.ID, 10) + " " + u.Email,
		Kind: kind, Target: "channel:" + m.UID + " " + m.Address, IP: ip, Detail: detail, After: after}
}

// InboxAnswer is a user's answer to a channel message.
type InboxAnswer struct {
	User db.User
	UID  string // the channel message's
	Text string
	IP   string
}

// AnswerInbox sends a user's answer to a channel message: a new secure
// message from the user to the address the writer proved, with one
// recipient verified by a code mailed to that address, released at once.
// It takes Answer's path (encrypted body, group commit, notification
// job); the channel message is marked answered, and the audit event
// written, in the transaction that stores the answer, so a message is
// answered once (ErrChannelAnswered after that).
func (s *Service) AnswerInbox(ctx context.Context, in InboxAnswer) (db.Message, error) {
	switch {
	case strings.TrimSpace(in.Text) == "":
		return db.Message{}, ErrAnswerEmpty
	case len(in.Text) > MaxReplyText:
		return db.Message{}, ErrAnswerTooLong
	}
	m, err := s.inboxMessage(ctx, in.User, in.UID)
	if err != nil {
		return db.Message{}, err
	}
	if !m.AnsweredAt.IsZero() {
		return db.Message{}, ErrChannelAnswered
	}
	nm, blobs, err := s.inboxAnswer(ctx, in, m)
	if err != nil {
		return db.Message{}, err
	}
	err = s.commits.commitWith(ctx, nm, func(ctx context.Context, tx *db.Tx) error {
		now := s.opt.Now().UTC()
		if err := tx.MarkChannelAnswered(ctx, m.OrgID, m.ID, in.User.ID, nm.Message.ID, now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, inboxEvent(in.User, m, KindChannelAnswer, in.IP, "", MessageTarget(nm.Message.UID), now))
	})
	if err != nil {
		s.deleteBlobs(blobs)
		if errors.Is(err, db.ErrAnswered) {
			return db.Message{}, ErrChannelAnswered
		}
		return db.Message{}, fmt.Errorf("storing the answer to channel message %d: %w", m.ID, err)
	}
	s.opt.Logger.Info("channel message answered", "message_id", nm.Message.ID, "channel_message_id", m.ID, "user_id", in.User.ID)
	return nm.Message, nil
}

// inboxAnswer builds the answer's message: "Re: " and the subject, the
// user's text, one recipient of method mail at the writer's address.
func (s *Service) inboxAnswer(ctx context.Context, in InboxAnswer, m db.ChannelMessage) (*db.NewMessage, []string, error) {
	subject, err := s.ChannelSubject(m)
	if err != nil {
		return nil, nil, err
	}
	org, err := s.opt.Store.Org(ctx, in.User.OrgID)
	if err != nil {
		return nil, nil, err
	}
	msg := mime.Compose(mime.Written{From: mime.Address{Addr: in.User.Email}, To: []mime.Address{{Addr: m.Address}},
		Subject: answerSubject(subject), Text: in.Text})
	inc := &Incoming{User: in.User, Rcpts: []string{m.Address}, Size: int64(len(in.Text)), Message: msg}
	pol, err := s.unitSettings(ctx, in.User)
	if err != nil {
		return nil, nil, err
	}
	rc := db.Recipient{Address: m.Address, Field: "to", Method: db.MethodMail, DataSource: db.SourceChannel,
		Display: m.Address}
	return s.newMessage(ctx, org, inc, []db.Recipient{rc}, pol)
}
