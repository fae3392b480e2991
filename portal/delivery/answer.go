package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"sluis/db"
	"sluis/portal/mime"
)

// Answer errors; portal shows each as a translated message.
var (
	ErrAnswerEmpty   = errors.New("delivery: an answer needs text")
	ErrAnswerTooLong = errors.New("delivery: the answer text is too long")
	// ErrAnswerClosed: the recipient's verification data is gone (purged
	// with the message) or was never complete, so a new message could
	// not be opened by them.
	ErrAnswerClosed = errors.New("delivery: this recipient can no longer be answered")
)

// AnswerInput is a sender's answer to one recipient's reply.
type AnswerInput struct {
	Sender   db.User
	ReplyUID string
	Text     string
}

// Answer sends the sender's answer to a recipient's reply as a new secure
// message from the sender to that one recipient. It takes Submit's path
// (encrypted body, group commit, notification job in the same
// transaction) but does not resolve the recipient again: the answer is
// verified with the data the recipient proved for the message they
// replied to, so it is released at once and never held. It returns the
// new message; db.ErrNotFound when the reply is not to one of the
// sender's messages.
func (s *Service) Answer(ctx context.Context, in AnswerInput) (db.Message, error) {
	switch {
	case strings.TrimSpace(in.Text) == "":
		return db.Message{}, ErrAnswerEmpty
	case len(in.Text) > MaxReplyText:
		return db.Message{}, ErrAnswerTooLong
	}
	orig, rc, err := s.answered(ctx, in.Sender, in.ReplyUID)
	if err != nil {
		return db.Message{}, err
	}
	subject, err := s.subject(orig)
	if err != nil {
		return db.Message{}, err
	}
	org, err := s.opt.Store.Org(ctx, in.Sender.OrgID)
	if err != nil {
		return db.Message{}, err
	}
	msg := mime.Compose(mime.Written{From: mime.Address{Addr: in.Sender.Email}, To: []mime.Address{{Addr: rc.Address}},
		Subject: answerSubject(subject), Text: in.Text, InReplyTo: orig.HeaderMessageID})
	inc := &Incoming{User: in.Sender, Rcpts: []string{rc.Address}, Size: int64(len(in.Text)), Message: msg}
	pol, err := s.unitSettings(ctx, in.Sender)
	if err != nil {
		return db.Message{}, err
	}
	nm, blobs, err := s.newMessage(ctx, org, inc, []db.Recipient{answerRecipient(rc)}, pol)
	if err != nil {
		return db.Message{}, err
	}
	if err := s.commits.commit(ctx, nm); err != nil {
		s.deleteBlobs(blobs)
		return db.Message{}, fmt.Errorf("storing answer: %w", err)
	}
	s.opt.Logger.Info("answer sent from the web app", "message_id", nm.Message.ID, "answers", orig.ID, "user_id", in.Sender.ID)
	return nm.Message, nil
}

// answered loads the reply's message and recipient, checking that the
// message is the sender's and that the recipient can still be verified.
func (s *Service) answered(ctx context.Context, sender db.User, replyUID string) (db.Message, db.Recipient, error) {
	r, msg, err := s.ownReply(ctx, sender, replyUID)
	if err != nil {
		return db.Message{}, db.Recipient{}, err
	}
	rc, err := s.opt.Store.Recipient(ctx, sender.OrgID, r.RecipientID)
	if err != nil {
		return db.Message{}, db.Recipient{}, err
	}
	usable := rc.Problem == "" && (rc.Method == db.MethodSignIn || rc.Method == db.MethodMail ||
		(rc.Method == db.MethodSMS && rc.Phone != "") || (rc.Method == db.MethodAccessCode && rc.AccessCodeHash != ""))
	if !usable {
		return db.Message{}, db.Recipient{}, ErrAnswerClosed
	}
	return msg, rc, nil
}

// answerRecipient is the answer's one recipient, with the verification
// data (and its source) of the recipient who replied.
func answerRecipient(rc db.Recipient) db.Recipient {
	return db.Recipient{Address: rc.Address, Field: "to", Internal: rc.Internal, Method: rc.Method, Phone: rc.Phone,
		AccessCodeHash: rc.AccessCodeHash, AccessCodeHint: rc.AccessCodeHint, DataSource: rc.DataSource, Display: rc.Display}
}

// answerSubject is "Re: " and the subject, once.
func answerSubject(subject string) string {
	if len(subject) >= 3 && strings.EqualFold(subject[:3], "re:") {
		return subject
	}
	return "Re: " + subject
}
