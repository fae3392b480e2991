package portal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/delivery"
)

// inlineImageTypes are the images shown inside a body. SVG is not among
// them: it can carry script.
var inlineImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// keptTypes are the types a download keeps; every other type is sent as
// application/octet-stream, so no browser renders it (HTML, SVG, XML…).
var keptTypes = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"text/plain": true, "text/csv": true, "application/zip": true, "application/msword": true,
	"application/vnd.ms-excel": true, "application/vnd.ms-powerpoint": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
}

// attachment finds the message's part at the path's position.
func (s *Server) attachment(c echo.Context, r *recipientCtx) (db.Attachment, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 0 {
		return db.Attachment{}, echo.ErrNotFound
	}
	atts, err := s.store.Attachments(c.Request().Context(), r.msg.OrgID, r.msg.ID)
	if err != nil {
		return db.Attachment{}, err
	}
	for _, a := range atts {
		if a.Position == n {
			return a, nil
		}
	}
	return db.Attachment{}, echo.ErrNotFound
}

// downloadAttachment streams an attachment, decrypted, as a download.
func (s *Server) downloadAttachment(c echo.Context) error {
	r := recipientOf(c)
	a, err := s.attachment(c, r)
	if err != nil {
		return err
	}
	name, err := s.vault.OpenField(a.Filename, delivery.FilenameBinding(r.msg.UID, a.Position))
	if err != nil {
		return err
	}
	ct := "application/octet-stream"
	if keptTypes[a.ContentType] {
		ct = a.ContentType
	}
	return s.streamBlob(c, a, ct, contentDisposition("attachment", string(name)))
}

// showInlineImage serves an image the body shows by its cid: reference.
func (s *Server) showInlineImage(c echo.Context) error {
	r := recipientOf(c)
	a, err := s.attachment(c, r)
	if err != nil {
		return err
	}
	if a.ContentID == "" || !inlineImageTypes[a.ContentType] {
		return echo.ErrNotFound
	}
	return s.streamBlob(c, a, a.ContentType, "inline")
}

// streamBlob copies a decrypted blob to the client without holding it in
// memory. A blob that fails half-way (tampered, truncated) aborts the
// connection, so the client never takes a partial file for a whole one.
func (s *Server) streamBlob(c echo.Context, a db.Attachment, contentType, disposition string) error {
	blob, err := s.vault.Open(c.Request().Context(), a.BlobID)
	if err != nil {
		return err
	}
	defer func() { _ = blob.Close() }() // read-only
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, disposition)
	h.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	h.Set(echo.HeaderContentLength, strconv.FormatInt(a.Size, 10))
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), blob); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.Error("streaming an attachment failed", "request_id", requestID(c), "attachment_id", a.ID, "error", err)
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}

// contentDisposition writes a disposition with a file name that is safe
// in a header (RFC 6266): an ASCII fallback in filename and the exact
// name, UTF-8 and percent-encoded, in filename* (RFC 5987).
func contentDisposition(kind, name string) string {
	name = delivery.CleanFilename(name)
	fallback := strings.Map(func(r rune) rune {
		switch {
		case r > unicode.MaxASCII || r < 0x20 || r == 0x7f:
			return '_'
		case r == '"' || r == '\\' || r == '/' || r == ';':
			return '_'
		}
		return r
	}, name)
	return kind + `; filename="` + fallback + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte but RFC 5987's attr-char.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
