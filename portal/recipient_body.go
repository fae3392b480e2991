package portal

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/portal/delivery"
)

// A message's HTML body is shown in a frame of its own, from this route,
// never in the page around it: the mail's CSS (style attributes, which
// the page's CSP forbids) then applies to the mail alone, and nothing of
// it can restyle or cover the page. The frame is sandboxed without
// scripts, both by the page's iframe and by this response's CSP (which
// holds when the address is opened on its own); it may load only the
// message's inline images from here and data: images, and remote images
// only when the reader asked. See docs/architecture.md.

// bodyCSP is the frame's Content-Security-Policy; remote adds the web's
// images for a reader who asked to see them.
func bodyCSP(remote bool) string {
	img := "img-src 'self' data:"
	if remote {
		img += " https: http:"
	}
	return "default-src 'none'; style-src 'unsafe-inline'; " + img + "; form-action 'none'; base-uri 'none'; " +
		"frame-ancestors 'self'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
}

// bodyHead opens the frame's document. Its own style is a plain reading
// default, white as mail is written for; links open outside the frame.
const bodyHead = `<!DOCTYPE html><html><head><meta charset="utf-8"><base target="_blank"><title>`

const bodyStyle = `</title><style>:root{color-scheme:light}body{margin:8px;background:#fff;color:#000;` +
	`font-family:Arial,Helvetica,sans-serif;overflow-wrap:anywhere}img{max-width:100%}</style></head><body>`

// showMessageBody streams the message's sanitized HTML body as the frame's
// document.
func (s *Server) showMessageBody(c echo.Context) error {
	r := recipientOf(c)
	remote := c.QueryParam("images") == "1"
	b, err := s.delivery.ReadHTML(c.Request().Context(), delivery.ReadRequest{OrgID: r.rc.OrgID, RecipientID: r.rc.ID,
		Recipient: &r.rc, Message: &r.msg, RemoteImages: remote, InlineURL: bodyInlineURL})
	if err != nil {
		return fileError(err)
	}
	defer func() { _ = b.Body.Close() }() // read-only
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderContentSecurityPolicy, bodyCSP(remote))
	h.Set(echo.HeaderXFrameOptions, "SAMEORIGIN")
	c.Response().WriteHeader(http.StatusOK)
	w := c.Response()
	title := html.EscapeString(s.i18n.T(s.lang(c), "mailview.frame_title", nil))
	if _, err := io.WriteString(w, bodyHead+title+bodyStyle); err != nil {
		return nil // the reader left
	}
	if _, err := io.Copy(w, b.Body); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.Error("streaming a message body failed", "request_id", requestID(c), "error", err)
		}
		panic(http.ErrAbortHandler) // never let a cut body pass for the whole one
	}
	_, _ = io.WriteString(w, "</body></html>")
	return nil
}
