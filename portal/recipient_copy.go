package portal

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// /m/<token>/message.eml and /m/<token>/print: the recipient's own copy
// in an open standard (RFC 5322 + MIME, which every mail program opens)
// and a print view that prints cleanly on A4. Both are audited by
// delivery before anything is sent.

// downloadCopy streams the whole message as one .eml file. A failure
// half-way aborts the connection, so a partial file is never taken for
// the whole one.
func (s *Server) downloadCopy(c echo.Context) error {
	r := recipientOf(c)
	cp, err := s.delivery.OpenCopy(c.Request().Context(), r.rc.OrgID, r.rc.ID, s.visit(c, r))
	if err != nil {
		return fileError(err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "message/rfc822")
	h.Set(echo.HeaderContentDisposition, contentDisposition("attachment", cp.Name))
	h.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Response().WriteHeader(http.StatusOK)
	if err := cp.WriteTo(c.Request().Context(), c.Response()); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.Error("writing an own copy failed", "request_id", requestID(c), "error", err)
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}

// showPrint shows the message as a document to print: subject, sender,
// date, recipients, body and the list of attachments.
func (s *Server) showPrint(c echo.Context) error {
	r := recipientOf(c)
	m, err := s.delivery.PrintView(c.Request().Context(), delivery.ReadRequest{OrgID: r.rc.OrgID, RecipientID: r.rc.ID,
		InlineURL: r.inlineURL, Visit: s.visit(c, r)})
	switch {
	case errors.Is(err, delivery.ErrClosed):
		return s.showClosed(c, r)
	case errors.Is(err, db.ErrNotFound):
		return s.showGone(c)
	case err != nil:
		return err
	}
	v := s.messagePage(c, r, m)
	v.Title = s.t(c, "copy.print")
	return c.Render(http.StatusOK, "recipient_print", v)
}
