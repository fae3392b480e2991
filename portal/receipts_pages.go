package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/portal/policy"
	"sluis/portal/receipts"
)

// Read receipts in the pages (portal/receipts has the rule and the MDN):
// the question on the reader's message page, the reader's answer, the
// sender's checkbox when finishing a draft, and the receipt's state on
// the sender's status page.

// receiptQuestion is the "send a read receipt?" box of the message page;
// delivery's Read applies the rule that decides whether to ask.
type receiptQuestion struct {
	To string // who would get it
}

// receiptNotice is the message page's notice after the reader answered.
func (s *Server) receiptNotice(c echo.Context) string {
	switch a := c.QueryParam("receipt"); a {
	case "sent", "declined":
		return s.t(c, "receipt."+a+"_notice")
	}
	return ""
}

// answerReceipt records the reader's answer: send the receipt or not.
func (s *Server) answerReceipt(c echo.Context) error {
	r := recipientOf(c)
	send := c.FormValue("answer") == "send"
	err := s.receipts.Answer(c.Request().Context(), r.msg, r.rc, send)
	if errors.Is(err, receipts.ErrNotAsked) {
		return c.Redirect(http.StatusSeeOther, r.base()+"/read")
	}
	if err != nil {
		return err
	}
	answer := "declined"
	if send {
		answer = "sent"
	}
	return c.Redirect(http.StatusSeeOther, r.base()+"/read?receipt="+answer)
}

// receiptsOn reports whether a unit's users may request read receipts.
func receiptsOn(p policy.Settings) bool { return p.Receipts.Mode != policy.ReceiptsOff }
