package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"sluis/db"
)

// NumberRequestView is what the sender's page shows of a request.
type NumberRequestView struct {
	Request   db.NumberRequest
	Recipient db.Recipient
	Message   db.Message
	Subject   string
	Note      string
	Closed    bool // the message can no longer be read: nothing to send again
}

// SenderNumberRequest opens a request for the sender of its message;
// db.ErrNotFound for anyone else, of this organisation or another.
func (s *Service) SenderNumberRequest(ctx context.Context, sender db.User, uid string) (NumberRequestView, error) {
	n, err := s.opt.Store.NumberRequestByUID(ctx, sender.OrgID, uid)
	if err != nil {
		return NumberRequestView{}, err
	}
	msg, err := s.opt.Store.Message(ctx, n.OrgID, n.MessageID)
	if err != nil {
		return NumberRequestView{}, err
	}
	if msg.SenderID != sender.ID {
		return NumberRequestView{}, db.ErrNotFound
	}
	rc, err := s.opt.Store.Recipient(ctx, n.OrgID, n.RecipientID)
	if err != nil {
		return NumberRequestView{}, err
	}
	v := NumberRequestView{Request: n, Recipient: rc, Message: msg, Closed: Closed(msg, rc, s.opt.Now())}
	if v.Subject, err = s.subject(msg); err != nil {
		return NumberRequestView{}, err
	}
	if len(n.Note) > 0 {
		note, err := s.opt.Vault.OpenField(n.Note, numberRequestBinding(n.UID))
		if err != nil {
			return NumberRequestView{}, fmt.Errorf("opening the note of number request %d: %w", n.ID, err)
		}
		v.Note = string(note)
	}
	return v, nil
}

// AnswerNumberRequest takes the sender's new number (or access code) for
// the request's recipient: in one transaction the recipient gets the new
// data and a fresh link, the address book the sender chose is updated
// (history source recipient-request), every open request of the recipient
// is closed, the notification is enqueued and the change audited. The
// entry is checked by the same rules as a held draft's (DraftErrors);
// SaveTo must name a book.
func (s *Service) AnswerNumberRequest(ctx context.Context, sender db.User, uid string, e DraftEntry, ip string) error {
	v, err := s.SenderNumberRequest(ctx, sender, uid)
	if err != nil {
		return err
	}
	if !v.Request.DoneAt.IsZero() {
		return ErrRequestClosed
	}
	if v.Closed {
		return ErrClosed
	}
	if e.SaveTo == SaveNone {
		return DraftErrors{{v.Recipient.ID, "save_to", "bad_choice"}}
	}
	org, err := s.opt.Store.Org(ctx, sender.OrgID)
	if err != nil {
		return err
	}
	e.RecipientID = v.Recipient.ID
	d, save, fe := readEntry(sender, org, v.Recipient, e)
	if fe != nil {
		return DraftErrors{*fe}
	}
	d.Source = db.SourceRecipientRequest
	nonce, tokenHash, err := s.newLink()
	if err != nil {
		return err
	}
	now, actor := s.opt.Now().UTC(), "user:"+strconv.FormatInt(sender.ID, 10)
	rc := v.Recipient
	err = s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.CloseNumberRequests(ctx, rc.OrgID, rc.ID, sender.ID, now); err != nil {
			return errors.Join(ErrRequestClosed, err)
		}
		if err := tx.ChangeRecipientData(ctx, rc.OrgID, d, nonce, tokenHash, now); err != nil {
			return err
		}
		if _, _, err := tx.PutContact(ctx, save.book, save.in, db.Change{Source: db.SourceRecipientRequest, Actor: actor}); err != nil {
			return fmt.Errorf("saving %s to an address book: %w", save.in.Email, err)
		}
		if err := s.enqueueNotifications(ctx, tx, []db.Recipient{rc}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, db.AuditEvent{OrgID: rc.OrgID, ActorID: sender.ID, Actor: actor + " " + sender.Email,
			Kind: "number.change", Target: "recipient:" + strconv.FormatInt(rc.ID, 10) + " " + rc.Address, IP: ip,
			Before: rc.Display, After: d.Display, Detail: "new link sent; saved to the " + e.SaveTo + " address book"})
	})
	if err != nil {
		return err
	}
	s.opt.Logger.Info("a recipient's number changed on request", "message_id", rc.MessageID, "recipient_id", rc.ID)
	return nil
}
