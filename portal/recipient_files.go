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

// position reads the part's position from the path; a malformed one is
// an unknown part.
func position(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 0 {
		return 0, echo.ErrNotFound
	}
	return n, nil
}

// downloadAttachment streams an attachment, decrypted, as a download.
func (s *Server) downloadAttachment(c echo.Context) error {
	r := recipientOf(c)
	n, err := position(c)
	if err != nil {
		return err
	}
	f, err := s.delivery.DownloadAttachment(c.Request().Context(), r.rc.OrgID, r.rc.ID, n, s.visit(c, r))
	if err != nil {
		return fileError(err)
	}
	ct := "application/octet-stream"
	if keptTypes[f.ContentType] {
		ct = f.ContentType
	}
	return s.streamFile(c, f, ct, contentDisposition("attachment", f.Name))
}

// showInlineImage serves an image the body shows by its cid: reference.
func (s *Server) showInlineImage(c echo.Context) error {
	r := recipientOf(c)
	n, err := position(c)
	if err != nil {
		return err
	}
	f, err := s.delivery.OpenInlineImage(c.Request().Context(), r.rc.OrgID, r.rc.ID, n)
	if err != nil {
		return fileError(err)
	}
	return s.streamFile(c, f, f.ContentType, "inline")
}

// fileError answers a file delivery does not open: unknown is 404, a
// message closed since the request began is 410, the rest is an error.
func fileError(err error) error {
	switch {
	case errors.Is(err, db.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, delivery.ErrClosed):
		return echo.NewHTTPError(http.StatusGone)
	}
	return err
}

// streamFile copies a decrypted file to the client without holding it in
// memory. A file that fails half-way (tampered, truncated) aborts the
// connection, so the client never takes a partial file for a whole one.
func (s *Server) streamFile(c echo.Context, f delivery.File, contentType, disposition string) error {
	defer func() { _ = f.Body.Close() }() // read-only
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, disposition)
	h.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	h.Set(echo.HeaderContentLength, strconv.FormatInt(f.Size, 10))
	c.Response().WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.Response(), f.Body); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.Error("streaming a file failed", "request_id", requestID(c), "position", f.Position, "error", err)
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
