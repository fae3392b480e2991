package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/phone"
	"sluis/portal/policy"
	"sluis/portal/secret"
)

// FromDraft: the sender typed the data when finishing the draft.
const FromDraft = "draft"

// Where a finished draft's data may be saved.
const (
	SaveNone     = ""
	SavePersonal = "personal"
	SaveOrg      = "org"
)

// Draft errors; portal shows each as a translated message.
var (
	ErrDraftNotHeld  = errors.New("delivery: the draft is no longer held")
	ErrWebSendingOff = errors.New("delivery: the unit does not allow sending from the web app")
)

// DraftEntry is what the sender typed for one recipient that lacked data:
// a mobile number, or an access code with an optional hint.
type DraftEntry struct {
	RecipientID int64
	Phone       string // as typed; read in the organisation's country
	AccessCode  string
	Hint        string
	SaveTo      string // SaveNone, SavePersonal or SaveOrg
}

// FieldError is one rejected field of one recipient; Reason is a
// translation key ("reason.<Reason>").
type FieldError struct {
	RecipientID int64
	Field       string // phone, access_code, access_code_hint, save_to
	Reason      string
}

// DraftErrors are all the rejected fields of a draft; nothing was changed.
type DraftErrors []FieldError

func (e DraftErrors) Error() string {
	return strconv.Itoa(len(e)) + " fields of the draft were rejected"
}

// SenderDraft returns a held or finished message of the sender by its
// public id; db.ErrNotFound for anyone else's.
func (s *Service) SenderDraft(ctx context.Context, sender db.User, uid string) (db.Message, error) {
	msg, err := s.opt.Store.MessageByUID(ctx, sender.OrgID, uid)
	if err != nil {
		return db.Message{}, err
	}
	if msg.SenderID != sender.ID {
		return db.Message{}, fmt.Errorf("message %s: %w", uid, db.ErrNotFound)
	}
	return msg, nil
}

// Completion is what the sender finishes a held draft with.
type Completion struct {
	Entries []DraftEntry
	// Receipt is the page's "ask for a read receipt" box: checked keeps
	// the Disposition-Notification-To address from intake or uses the
	// sender's own; unchecked removes the request. A unit with read
	// receipts off ignores it (and its page does not show the box).
	Receipt bool
	IP      string // the sender's address, for the audit event
}

// CompleteDraft fills in the data the sender typed for every recipient
// that lacked it, saves it to an address book where asked, stores the
// read-receipt request, and releases the draft to all recipients at once
// through the same notification jobs as mail released at intake, with
// its draft.release audit event. Either all of it happens or nothing does.
func (s *Service) CompleteDraft(ctx context.Context, sender db.User, uid string, c Completion) error {
	msg, err := s.SenderDraft(ctx, sender, uid)
	if err != nil {
		return err
	}
	if msg.State != db.StateHeld {
		return ErrDraftNotHeld
	}
	pol, err := s.unitSettings(ctx, sender)
	if err != nil {
		return err
	}
	if !pol.WebSending {
		return ErrWebSendingOff
	}
	org, err := s.opt.Store.Org(ctx, sender.OrgID)
	if err != nil {
		return err
	}
	rcpts, err := s.opt.Store.Recipients(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return err
	}
	data, saves, err := readEntries(sender, org, rcpts, c.Entries)
	if err != nil {
		return err
	}
	r := draftRelease{sender: sender, msg: msg, pol: pol, data: data, saves: saves, ip: c.IP}
	r.receiptTo, r.setReceipt = receiptRequest(pol, msg, sender, c.Receipt)
	return s.release(ctx, r)
}

// receiptRequest is the address the draft's read receipt is to go to,
// and whether that differs from what the draft holds.
func receiptRequest(pol policy.Settings, msg db.Message, sender db.User, want bool) (string, bool) {
	if pol.Receipts.Mode == policy.ReceiptsOff {
		return msg.ReceiptTo, false
	}
	addr := ""
	if want {
		addr = msg.ReceiptTo
		if addr == "" {
			addr = sender.Email
		}
	}
	return addr, addr != msg.ReceiptTo
}

// pendingSave is one address-book entry to write with the release.
type pendingSave struct {
	book db.Book
	in   db.ContactInput
}

// readEntries checks an entry for every recipient that lacks data and
// hashes the access codes; DraftErrors lists every rejected field.
func readEntries(sender db.User, org db.Org, rcpts []db.Recipient, entries []DraftEntry) ([]db.RecipientData, []pendingSave, error) {
	byID := map[int64]DraftEntry{}
	for _, e := range entries {
		byID[e.RecipientID] = e
	}
	var errs DraftErrors
	var data []db.RecipientData
	var saves []pendingSave
	for _, rc := range rcpts {
		if rc.Problem == "" && rc.Method != db.MethodNone {
			continue
		}
		d, save, fe := readEntry(sender, org, rc, byID[rc.ID])
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		data = append(data, d)
		if save != nil {
			saves = append(saves, *save)
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return data, saves, nil
}

// readEntry checks what the sender typed for one recipient by the
// address-book rules, and hashes an access code.
func readEntry(sender db.User, org db.Org, rc db.Recipient, e DraftEntry) (db.RecipientData, *pendingSave, *FieldError) {
	d := db.RecipientData{RecipientID: rc.ID, Source: FromDraft}
	typed := contacts.Entry{Key: rc.Address}
	switch {
	case e.Phone != "":
		typed.Phone = &e.Phone
	case e.AccessCode != "":
		typed.Code, typed.Hint = &e.AccessCode, &e.Hint
	default:
		return d, nil, &FieldError{rc.ID, "phone", "missing"}
	}
	ck, err := contacts.Check(db.OrgBook(org.ID), typed, org.Country)
	if err != nil {
		return d, nil, fieldError(rc.ID, err)
	}
	in := ck.Input
	if ck.Code == "" {
		d.Method, d.Phone, d.Display = db.MethodSMS, *in.Phone, phone.Mask(*in.Phone)
	} else {
		hash, err := secret.Hash(ck.Code)
		if err != nil {
			return d, nil, &FieldError{rc.ID, "access_code", "internal"}
		}
		d.Method, d.AccessCodeHash, d.AccessCodeHint, d.Display = db.MethodAccessCode, hash, *in.AccessCodeHint, "access_code"
		in.AccessCodeHash = &d.AccessCodeHash
	}
	switch e.SaveTo {
	case SaveNone:
		return d, nil, nil
	case SavePersonal:
		return d, &pendingSave{db.PersonalBook(org.ID, sender.ID), in}, nil
	case SaveOrg:
		if sender.Role != db.RoleAdmin {
			return d, nil, &FieldError{rc.ID, "save_to", "not_allowed"}
		}
		return d, &pendingSave{db.OrgBook(org.ID), in}, nil
	}
	return d, nil, &FieldError{rc.ID, "save_to", "bad_choice"}
}

// draftFields names the draft form's field for each of the rules' fields.
var draftFields = map[string]string{contacts.FieldCode: "access_code", contacts.FieldHint: "access_code_hint"}

// fieldError is a rule's refusal (contacts.Check) as a draft's field error.
func fieldError(id int64, err error) *FieldError {
	var fe *contacts.FieldError
	if !errors.As(err, &fe) {
		return &FieldError{id, "phone", "bad_phone"}
	}
	field, ok := draftFields[fe.Field]
	if !ok {
		field = "phone"
	}
	return &FieldError{id, field, fe.Reason}
}

// draftRelease is everything one completed draft writes.
type draftRelease struct {
	sender     db.User
	msg        db.Message
	pol        policy.Settings
	data       []db.RecipientData
	saves      []pendingSave
	receiptTo  string
	setReceipt bool
	ip         string
}

// release writes, in one transaction, the read-receipt request, the typed
// data, the release, the address-book entries, the recipients'
// notification jobs and the audit event: an event that cannot be written
// leaves the draft held.
func (s *Service) release(ctx context.Context, r draftRelease) error {
	msg, now := r.msg, s.opt.Now().UTC()
	ch := db.Change{Source: db.SourceDraft, Actor: "user:" + strconv.FormatInt(r.sender.ID, 10)}
	err := s.opt.Store.InTx(ctx, func(tx *db.Tx) error {
		if r.setReceipt {
			if err := tx.SetReceiptRequest(ctx, msg.OrgID, msg.ID, r.receiptTo); err != nil {
				return notHeld(err)
			}
		}
		for _, d := range r.data {
			if err := tx.CompleteRecipient(ctx, msg.OrgID, msg.ID, d); err != nil {
				return errors.Join(ErrDraftNotHeld, err)
			}
		}
		if err := tx.ReleaseDraft(ctx, msg.OrgID, msg.ID, now, now.Add(r.pol.MessageRetention)); err != nil {
			return notHeld(err)
		}
		for _, sv := range r.saves {
			if _, _, err := tx.PutContact(ctx, sv.book, sv.in, ch); err != nil {
				return fmt.Errorf("saving %s to an address book: %w", sv.in.Email, err)
			}
		}
		rcpts, err := tx.RecipientsTx(ctx, msg.OrgID, msg.ID)
		if err != nil {
			return err
		}
		if err := s.enqueueNotifications(ctx, tx, rcpts); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, db.AuditEvent{OrgID: msg.OrgID, ActorID: r.sender.ID,
			Actor: "user:" + strconv.FormatInt(r.sender.ID, 10) + " " + r.sender.Email, Kind: "draft.release",
			Target: "message:" + msg.UID, IP: r.ip})
	})
	if err != nil {
		return err
	}
	s.opt.Logger.Info("draft released from the web app", "message_id", msg.ID, "user_id", r.sender.ID)
	return nil
}

// notHeld reads "no such held draft" from the store as ErrDraftNotHeld.
func notHeld(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return ErrDraftNotHeld
	}
	return err
}
