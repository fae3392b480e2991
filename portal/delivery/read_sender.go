package delivery

import (
	"context"
	"fmt"
	"time"

	"sluis/db"
)

// What a signed-in user reads of their own messages: the subject of each
// (the list, the status page, a held draft), the replies their
// recipients wrote, and the replies' files.

// maxReplyShown bounds the reply text read into a page.
const maxReplyShown = MaxReplyText + 1024

// OwnMessage is one of a sender's messages with its subject opened.
type OwnMessage struct {
	db.Message
	Subject string
}

// SenderMessage loads the sender's message by uid with its subject; a
// message of anyone else is db.ErrNotFound.
func (s *Service) SenderMessage(ctx context.Context, sender db.User, uid string) (OwnMessage, error) {
	msg, err := s.SenderDraft(ctx, sender, uid)
	if err != nil {
		return OwnMessage{}, err
	}
	subject, err := s.subject(msg)
	return OwnMessage{Message: msg, Subject: subject}, err
}

// SenderMessages lists the sender's messages, newest first, with their
// subjects.
func (s *Service) SenderMessages(ctx context.Context, sender db.User, q db.SentQuery) ([]OwnMessage, error) {
	msgs, err := s.opt.Store.SentMessages(ctx, sender.OrgID, sender.ID, q)
	if err != nil {
		return nil, err
	}
	out := make([]OwnMessage, 0, len(msgs))
	for _, m := range msgs {
		subject, err := s.subject(m)
		if err != nil {
			return nil, err
		}
		out = append(out, OwnMessage{Message: m, Subject: subject})
	}
	return out, nil
}

// ReplyView is a recipient's reply as the sender of the message reads it.
type ReplyView struct {
	UID        string
	MessageUID string
	Subject    string // the message's
	From       string // the address of the recipient who wrote it
	Received   time.Time
	Text       string // as written: plain text, for the page to escape
	Files      []Attachment
}

// ReadReply opens a reply to one of the reader's messages: the
// message's subject, who wrote it, its text and its files. A reply to
// anyone else's message is db.ErrNotFound.
func (s *Service) ReadReply(ctx context.Context, reader db.User, uid string) (ReplyView, error) {
	r, msg, err := s.ownReply(ctx, reader, uid)
	if err != nil {
		return ReplyView{}, err
	}
	rc, err := s.opt.Store.Recipient(ctx, msg.OrgID, r.RecipientID)
	if err != nil {
		return ReplyView{}, err
	}
	v := ReplyView{UID: r.UID, MessageUID: msg.UID, From: rc.Address, Received: r.CreatedAt}
	if v.Subject, err = s.subject(msg); err != nil {
		return ReplyView{}, err
	}
	if r.TextBlob != "" {
		if v.Text, err = s.readBlob(ctx, r.TextBlob, maxReplyShown); err != nil {
			return ReplyView{}, err
		}
	}
	v.Files, err = s.replyFiles(ctx, r)
	return v, err
}

// OpenReplyFile opens the file at a position of a reply to one of the
// reader's messages, to download; anything else is db.ErrNotFound.
func (s *Service) OpenReplyFile(ctx context.Context, reader db.User, uid string, position int) (File, error) {
	r, _, err := s.ownReply(ctx, reader, uid)
	if err != nil {
		return File{}, err
	}
	atts, err := s.opt.Store.ReplyAttachments(ctx, r.OrgID, r.ID)
	if err != nil {
		return File{}, err
	}
	for _, a := range atts {
		if a.Position != position {
			continue
		}
		name, err := s.replyFileName(r, a)
		if err != nil {
			return File{}, err
		}
		return s.openFile(ctx, a.BlobID, Attachment{Position: a.Position, Name: name, Size: a.Size, ContentType: a.ContentType})
	}
	return File{}, fmt.Errorf("reply %s has no file %d: %w", uid, position, db.ErrNotFound)
}

// ownReply loads a reply and its message, which must be the user's.
func (s *Service) ownReply(ctx context.Context, user db.User, uid string) (db.Reply, db.Message, error) {
	r, err := s.opt.Store.ReplyByUID(ctx, user.OrgID, uid)
	if err != nil {
		return db.Reply{}, db.Message{}, err
	}
	msg, err := s.opt.Store.Message(ctx, user.OrgID, r.MessageID)
	if err != nil {
		return db.Reply{}, db.Message{}, err
	}
	if msg.SenderID != user.ID {
		return db.Reply{}, db.Message{}, fmt.Errorf("reply %s: %w", uid, db.ErrNotFound)
	}
	return r, msg, nil
}

// replyFiles describes a reply's files, their names opened.
func (s *Service) replyFiles(ctx context.Context, r db.Reply) ([]Attachment, error) {
	atts, err := s.opt.Store.ReplyAttachments(ctx, r.OrgID, r.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Attachment, 0, len(atts))
	for _, a := range atts {
		name, err := s.replyFileName(r, a)
		if err != nil {
			return nil, err
		}
		out = append(out, Attachment{Position: a.Position, Name: name, Size: a.Size, ContentType: a.ContentType})
	}
	return out, nil
}
