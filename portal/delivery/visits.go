package delivery

import (
	"context"
	"strconv"

	"sluis/db"
)

// NTA 7516 asks that viewing and downloading a message be logged. Each
// view, download, own copy and print view of a recipient is an audit
// event of the message's organisation, with the message as its target
// ("message:<uid>") and the recipient in After ("recipient:<id>"), so
// that the sender's proof of delivery finds them after the content is
// purged. Events hold no content: a file is named by its position.

// Audit kinds of what recipients and senders do with a message.
const (
	KindView      = "recipient.view"     // the message page was shown
	KindDownload  = "recipient.download" // an attachment was downloaded (Detail "file:<position>")
	KindCopy      = "recipient.copy"     // the own copy (.eml) was downloaded
	KindPrint     = "recipient.print"    // the print view was shown
	KindProofView = "proof.view"         // the sender opened the proof of delivery
	KindProofPDF  = "proof.pdf"          // … downloaded it as PDF
	KindProofJSON = "proof.json"         // … downloaded it as JSON
)

// Visit is who asks, for the audit log: the request's address and, for
// an internal recipient, the signed-in user.
type Visit struct {
	IP   string
	User *db.User
}

// auditVisit records what a recipient did with their message.
func (s *Service) auditVisit(ctx context.Context, kind string, msg db.Message, rc db.Recipient, who Visit, detail string) error {
	e := db.AuditEvent{OrgID: msg.OrgID, At: s.opt.Now().UTC(), Kind: kind, Target: MessageTarget(msg.UID), IP: who.IP,
		Actor: "recipient:" + strconv.FormatInt(rc.ID, 10) + " " + rc.Address, After: RecipientRef(rc.ID), Detail: detail}
	if who.User != nil {
		e.ActorID, e.Actor = who.User.ID, "user:"+strconv.FormatInt(who.User.ID, 10)+" "+who.User.Email
	}
	return s.opt.Store.AppendAudit(ctx, e)
}

// MessageTarget is how the audit log names a message.
func MessageTarget(uid string) string { return "message:" + uid }

// RecipientRef is how an event names the recipient it is about.
func RecipientRef(id int64) string { return "recipient:" + strconv.FormatInt(id, 10) }

// DownloadAttachment is OpenAttachment for a recipient who downloads the
// file: the download is in the audit log before a byte is sent.
func (s *Service) DownloadAttachment(ctx context.Context, orgID, recipientID int64, position int, who Visit) (File, error) {
	msg, rc, err := s.readable(ctx, orgID, recipientID)
	if err != nil {
		return File{}, err
	}
	f, err := s.OpenAttachment(ctx, orgID, recipientID, position)
	if err != nil {
		return File{}, err
	}
	if err := s.auditVisit(ctx, KindDownload, msg, rc, who, "file:"+strconv.Itoa(position)); err != nil {
		_ = f.Body.Close() // nothing was read
		return File{}, err
	}
	return f, nil
}

// PrintView opens the recipient's message for its print view, as Read
// does (without the read-receipt question), and records the print view.
func (s *Service) PrintView(ctx context.Context, req ReadRequest) (MessageView, error) {
	msg, rc, err := s.readable(ctx, req.OrgID, req.RecipientID)
	if err != nil {
		return MessageView{}, err
	}
	v, err := s.messageView(ctx, msg, req)
	if err != nil {
		return MessageView{}, err
	}
	if v.Body.ShowsHTML() {
		atts, err := s.opt.Store.Attachments(ctx, msg.OrgID, msg.ID)
		if err != nil {
			return MessageView{}, err
		}
		out, err := s.sanitize(ctx, msg, atts, req)
		if err != nil {
			return MessageView{}, err
		}
		v.Body.Page = out.HTML
	}
	if err := s.markOpened(ctx, rc); err != nil {
		return MessageView{}, err
	}
	return v, s.auditVisit(ctx, KindPrint, msg, rc, req.Visit, "")
}
