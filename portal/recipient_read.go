package portal

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

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
	HTML        template.HTML
	Text        template.HTML
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
// applies the read-receipt rule.
func (s *Server) showMessage(c echo.Context) error {
	r := recipientOf(c)
	showImages := c.QueryParam("images") == "1"
	m, err := s.delivery.Read(c.Request().Context(), delivery.ReadRequest{OrgID: r.rc.OrgID, RecipientID: r.rc.ID,
		RemoteImages: showImages, InlineURL: r.inlineURL, Visit: s.visit(c, r)})
	switch {
	case errors.Is(err, delivery.ErrClosed):
		return s.showClosed(c, r) // closed since the request began
	case errors.Is(err, db.ErrNotFound):
		return s.showGone(c)
	case err != nil:
		return err
	}
	v := s.messagePage(c, r, m)
	v.ShowImages = showImages
	if showImages {
		h := c.Response().Header()
		h.Set(echo.HeaderContentSecurityPolicy, strings.Replace(h.Get(echo.HeaderContentSecurityPolicy),
			"img-src 'self' data:", "img-src 'self' data: https: http:", 1))
	}
	return c.Render(http.StatusOK, "recipient_message", v)
}

// inlineURL is where the message page gets the inline image at a position.
func (r *recipientCtx) inlineURL(position int) string {
	return r.base() + "/inline/" + strconv.Itoa(position)
}

// messagePage builds the view of what delivery opened.
func (s *Server) messagePage(c echo.Context, r *recipientCtx, m delivery.MessageView) messageView {
	v := messageView{baseView: s.base(c, "recipient.message.title"), Base: r.base(), Subject: m.Subject,
		Sender: m.SenderName, SenderAddr: m.SenderAddress, Org: m.Org, To: m.To, Cc: m.Cc,
		HTML: m.Body.HTML, Text: m.Body.Text, Blocked: m.Body.Blocked}
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
