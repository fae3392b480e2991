package mime

import (
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// kind is what Parse does with a leaf part.
type kind int

const (
	kindAttachment kind = iota // streamed to the Sink
	kindText                   // kept as text/plain body
	kindHTML                   // kept as text/html body
)

// partInfo is what Parse reads from a part's header.
type partInfo struct {
	mediaType string            // lower case, never empty
	params    map[string]string // Content-Type parameters; nil when unreadable
	cte       string            // Content-Transfer-Encoding as written
	named     bool              // the mail gave a filename
	attached  bool              // Content-Disposition: attachment
	info      AttachmentInfo
}

// kind classifies a leaf part. A text/plain or text/html part is a body
// unless it is marked as an attachment or carries a filename (Apple Mail and
// others send attached .txt files as inline parts with a name). Every other
// type, text/calendar and message/rfc822 included, is an attachment.
func (p partInfo) kind() kind {
	if p.attached || p.named {
		return kindAttachment
	}
	switch p.mediaType {
	case "text/plain":
		return kindText
	case "text/html":
		return kindHTML
	}
	return kindAttachment
}

// describe reads the header fields Parse needs from one part. It never
// fails: unreadable fields fall back to the RFC 2045 defaults.
func describe(h message.Header) partInfo {
	p := partInfo{cte: h.Get("Content-Transfer-Encoding")}
	p.mediaType, p.params = mediaType(h)
	disp, _, _ := h.ContentDisposition() // the raw value when unreadable
	disp = strings.ToLower(strings.TrimSpace(strings.SplitN(disp, ";", 2)[0]))
	p.attached = disp == "attachment"
	ah := mail.AttachmentHeader{Header: h}
	name, _ := ah.Filename() // RFC 2231 and RFC 2047 decoded; "" when absent
	name = cleanFilename(name)
	p.named = name != ""
	if name == "" {
		name = defaultName(p.mediaType)
	}
	cid := strings.Trim(cleanText(h.Get("Content-Id")), "<> ")
	p.info = AttachmentInfo{
		Filename:    name,
		ContentType: p.mediaType,
		ContentID:   cid,
		Inline:      disp == "inline" || (disp == "" && cid != ""),
	}
	return p
}

// mediaType returns the lower-case media type and its parameters. A missing
// or unreadable Content-Type is text/plain (RFC 2045 section 5.2), except
// that a readable type with broken parameters keeps its type.
func mediaType(h message.Header) (string, map[string]string) {
	t, params, err := h.ContentType()
	if err != nil {
		t, params = strings.SplitN(t, ";", 2)[0], nil
	}
	t = strings.ToLower(strings.TrimSpace(t))
	if typ, sub, ok := strings.Cut(t, "/"); !ok || typ == "" || sub == "" {
		return "text/plain", nil
	}
	return t, params
}

// cleanFilename reduces a filename from the mail to a base name that is safe
// to show and to store: valid UTF-8, no control characters, no directory
// part, no leading or trailing dots and spaces, at most 255 bytes.
func cleanFilename(s string) string {
	s = cleanText(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	return strings.Trim(truncate(strings.Trim(s, " ."), 255), " .")
}

// extensions gives made-up names a useful suffix; the table is small on
// purpose so names do not depend on the host's MIME database.
var extensions = map[string]string{
	"application/pdf": ".pdf", "application/zip": ".zip",
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv",
}

// defaultName names an attachment the mail left unnamed.
func defaultName(mediaType string) string {
	if mediaType == "message/rfc822" || mediaType == "message/global" {
		return "message.eml"
	}
	return "attachment" + extensions[mediaType]
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
