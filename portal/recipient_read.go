package portal

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/dustin/go-humanize"
	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

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
	Frame       string        // the address of the frame showing the HTML body, "" when not shown
	Text        template.HTML // the plain-text body, when shown
	HTML        template.HTML // the sanitized HTML body in the page itself (the print view)
	Switch      string        // the address that shows the other part of a message that has both, "" when it has one
	Blocked     int
	Repaired    bool // part of the message could not be shown as intended
	ShowImages  bool
	Attachments []attachmentView
	Notice      string
	Receipt     *receiptQuestion // "send a read receipt?" (receipts_pages.go)
	rememberedView
}

// attachmentView is one attachment in the list.
type attachmentView struct {
	Position int
	Name     string
	Size     string
}

// showMessage shows the message; delivery records the first view and
// applies the read-receipt rule. An HTML body is shown in a frame of its
// own (showMessageBody); ?view=text shows the plain-text part instead and
// ?images=1 lets the frame load the body's remote images.
func (s *Server) showMessage(c echo.Context) error {
	r := recipientOf(c)
	showImages, asText := c.QueryParam("images") == "1", c.QueryParam("view") == "text"
	m, err := s.delivery.Read(c.Request().Context(), delivery.ReadRequest{OrgID: r.rc.OrgID, RecipientID: r.rc.ID,
		Recipient: &r.rc, Message: &r.msg, RemoteImages: showImages, Text: asText, InlineURL: bodyInlineURL, Visit: s.visit(c, r)})
	switch {
	case errors.Is(err, delivery.ErrClosed):
		return s.showClosed(c, r) // closed since the request began
	case errors.Is(err, db.ErrNotFound):
		return s.showGone(c)
	case err != nil:
		return err
	}
	v := s.messagePage(c, r, m)
	v.ShowImages = showImages && v.Frame != ""
	if v.ShowImages {
		v.Frame += "?images=1"
	}
	if v.Frame != "" {
		h := c.Response().Header()
		h.Set(echo.HeaderContentSecurityPolicy, h.Get(echo.HeaderContentSecurityPolicy)+"; frame-src 'self'")
	}
	return c.Render(http.StatusOK, "recipient_message", v)
}

// bodyInlineURL is where the body's frame gets the inline image at a
// position: relative to the frame's address, the same for every reader,
// as the kept sanitized body needs (delivery.ReadRequest).
func bodyInlineURL(position int) string { return "inline/" + strconv.Itoa(position) }

// inlineURL is where a page of its own (the print view) gets the inline
// image at a position.
func (r *recipientCtx) inlineURL(position int) string {
	return r.base() + "/inline/" + strconv.Itoa(position)
}

// messagePage builds the view of what delivery opened.
func (s *Server) messagePage(c echo.Context, r *recipientCtx, m delivery.MessageView) messageView {
	v := messageView{baseView: s.base(c, "recipient.message.title"), Base: r.base(), Subject: m.Subject,
		Sender: m.SenderName, SenderAddr: m.SenderAddress, Org: m.Org, To: m.To, Cc: m.Cc,
		Text: m.Body.Text, HTML: m.Body.Page, Blocked: m.Body.Blocked}
	if m.Body.ShowsHTML() && m.Body.Page == "" {
		v.Frame = r.base() + "/body"
	}
	switch {
	case m.Body.HTML && m.Body.HasText && v.Frame != "":
		v.Switch = r.base() + "/read?view=text"
	case m.Body.HTML && m.Body.HasText:
		v.Switch = r.base() + "/read"
	}
	v.Date, v.Expires = dateTime(m.Date, v.Lang), dateTime(m.Expires, v.Lang)
	if c.QueryParam("replied") == "1" {
		v.Notice = s.i18n.T(v.Lang, "recipient.message.reply_sent", map[string]any{"Sender": v.Sender})
	}
	v.rememberedView = s.remembered(c, r)
	if n := s.deviceNotice(c); n != "" {
		v.Notice = n
	}
	if n := s.receiptNotice(c); n != "" {
		v.Notice = n
	}
	v.Repaired = m.Repaired
	if m.ReceiptTo != "" {
		v.Receipt = &receiptQuestion{To: m.ReceiptTo}
	}
	for _, a := range m.Attachments {
		if !a.Inline {
			v.Attachments = append(v.Attachments, attachmentView{Position: a.Position, Name: a.Name,
				Size: humanize.Bytes(uint64(max(a.Size, 0)))})
		}
	}
	return v
}
