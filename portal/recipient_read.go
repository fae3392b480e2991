package portal

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// maxBody bounds a body read into memory to be shown.
const maxBody = 20 << 20

// messageView is the message page.
type messageView struct {
	baseView
	Base        string
	Subject     string
	Sender      string
	SenderAddr  string
	Org         string
	Date        string
	Expires     string
	To, Cc      []string
	HTML        template.HTML
	Text        template.HTML
	Blocked     int
	ShowImages  bool
	Attachments []attachmentView
	Notice      string
	Receipt     *receiptQuestion // "send a read receipt?" (receipts_pages.go)
}

// attachmentView is one attachment in the list.
type attachmentView struct {
	Position int
	Name     string
	Size     string
}

// showMessage shows the message and marks the recipient's first view.
func (s *Server) showMessage(c echo.Context) error {
	r := recipientOf(c)
	ctx := c.Request().Context()
	v, err := s.messagePage(c, r)
	if err != nil {
		return err
	}
	if err := s.markOpened(ctx, r.rc); err != nil {
		return err
	}
	if v.Receipt, err = s.receiptOnOpen(c, r); err != nil {
		return err
	}
	if n := s.receiptNotice(c); n != "" {
		v.Notice = n
	}
	if v.ShowImages {
		h := c.Response().Header()
		h.Set(echo.HeaderContentSecurityPolicy, strings.Replace(h.Get(echo.HeaderContentSecurityPolicy),
			"img-src 'self' data:", "img-src 'self' data: https: http:", 1))
	}
	return c.Render(http.StatusOK, "recipient_message", v)
}

// markOpened records the first view; later views only read.
func (s *Server) markOpened(ctx context.Context, rc db.Recipient) error {
	p, err := s.store.RecipientProgress(ctx, rc.OrgID, rc.ID)
	if err != nil || !p.OpenedAt.IsZero() {
		return err
	}
	_, err = s.store.MarkOpened(ctx, rc.OrgID, rc.ID, s.now().UTC())
	return err
}

// messagePage builds the view: headers, the sanitized body, attachments.
func (s *Server) messagePage(c echo.Context, r *recipientCtx) (messageView, error) {
	ctx := c.Request().Context()
	org, sender, err := s.people(ctx, r.msg)
	if err != nil {
		return messageView{}, err
	}
	subject, err := s.vault.OpenField(r.msg.Subject, delivery.SubjectBinding(r.msg.UID))
	if err != nil {
		return messageView{}, err
	}
	v := messageView{baseView: s.base(c, "recipient.message.title"), Base: r.base(), Subject: string(subject),
		Sender: displayName(sender), SenderAddr: sender.Email, Org: org.Name, ShowImages: c.QueryParam("images") == "1"}
	v.Date, v.Expires = dateTime(r.msg.CreatedAt, v.Lang), dateTime(r.msg.ExpiresAt, v.Lang)
	if c.QueryParam("replied") == "1" {
		v.Notice = s.i18n.T(v.Lang, "recipient.message.reply_sent", map[string]any{"Sender": v.Sender})
	}
	if err := s.addRecipients(ctx, r, &v); err != nil {
		return messageView{}, err
	}
	atts, err := s.store.Attachments(ctx, r.msg.OrgID, r.msg.ID)
	if err != nil {
		return messageView{}, err
	}
	if err := s.addBody(ctx, r, atts, &v); err != nil {
		return messageView{}, err
	}
	return v, s.addAttachments(r, atts, &v)
}

// addRecipients lists the visible recipients: To and Cc, never Bcc.
func (s *Server) addRecipients(ctx context.Context, r *recipientCtx, v *messageView) error {
	rcpts, err := s.store.Recipients(ctx, r.msg.OrgID, r.msg.ID)
	if err != nil {
		return err
	}
	for _, rc := range rcpts {
		switch rc.Field {
		case "to":
			v.To = append(v.To, rc.Address)
		case "cc":
			v.Cc = append(v.Cc, rc.Address)
		}
	}
	return nil
}

// addBody renders the HTML body when there is one, else the text body.
func (s *Server) addBody(ctx context.Context, r *recipientCtx, atts []db.Attachment, v *messageView) error {
	if r.msg.HTMLBlob != "" {
		body, err := s.readBlob(ctx, r.msg.HTMLBlob)
		if err != nil {
			return err
		}
		out := sanitizeMail(body, inlineURLs(r, atts), v.ShowImages)
		v.HTML, v.Blocked = out.HTML, out.Blocked
		return nil
	}
	if r.msg.TextBlob == "" {
		return nil
	}
	body, err := s.readBlob(ctx, r.msg.TextBlob)
	v.Text = textToHTML(body)
	return err
}

// inlineURLs maps the Content-IDs of the message's parts to their URLs.
func inlineURLs(r *recipientCtx, atts []db.Attachment) map[string]string {
	m := map[string]string{}
	for _, a := range atts {
		if a.ContentID != "" && inlineImageTypes[a.ContentType] {
			m[a.ContentID] = fmt.Sprintf("%s/inline/%d", r.base(), a.Position)
		}
	}
	return m
}

func (s *Server) readBlob(ctx context.Context, id string) (string, error) {
	rc, err := s.vault.Open(ctx, id)
	if err != nil {
		return "", err
	}
	defer func() { _ = rc.Close() }() // read-only
	b, err := io.ReadAll(io.LimitReader(rc, maxBody))
	return string(b), err
}

// addAttachments lists the files to download: every part but the inline
// images the body shows.
func (s *Server) addAttachments(r *recipientCtx, atts []db.Attachment, v *messageView) error {
	for _, a := range atts {
		if a.Inline && a.ContentID != "" && inlineImageTypes[a.ContentType] && v.HTML != "" {
			continue
		}
		name, err := s.vault.OpenField(a.Filename, delivery.FilenameBinding(r.msg.UID, a.Position))
		if err != nil {
			return err
		}
		v.Attachments = append(v.Attachments, attachmentView{Position: a.Position, Name: string(name),
			Size: humanize.Bytes(uint64(max(a.Size, 0)))})
	}
	return nil
}
