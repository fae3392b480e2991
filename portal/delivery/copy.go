package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"sluis/db"
)

// A recipient's own copy (NTA 7516: keep the message in an open
// standard): the whole message as one RFC 5322 + MIME file that any mail
// program opens. It is written from what Sluis stored, not from the mail
// as received: the control block is gone, the HTML body is the sanitized
// one the page shows (its cid: images kept as parts), Bcc never shows.
// Files stream from the vault into their base64 parts, so a copy with a
// large attachment is never held in memory.

// Copy is a recipient's message opened for writing as a .eml file.
type Copy struct {
	Name string // a file name for it: the subject, cleaned, with ".eml"
	s    *Service
	msg  db.Message
	view MessageView
	atts []db.Attachment
	text string
	html string // the sanitized HTML part, its images as cid: parts
}

// OpenCopy opens the recipient's message for their own copy and records
// the download in the audit log before anything is sent (an unaudited
// download does not happen). It refuses as Read does.
func (s *Service) OpenCopy(ctx context.Context, orgID, recipientID int64, who Visit) (*Copy, error) {
	msg, rc, err := s.readable(ctx, orgID, recipientID)
	if err != nil {
		return nil, err
	}
	atts, err := s.opt.Store.Attachments(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return nil, err
	}
	cids := map[int]string{}
	for _, a := range atts {
		cids[a.Position] = "cid:" + a.ContentID
	}
	toCID := ReadRequest{InlineURL: func(p int) string { return cids[p] }}
	v, err := s.messageView(ctx, msg, toCID)
	if err != nil {
		return nil, err
	}
	c := &Copy{Name: copyName(v.Subject), s: s, msg: msg, view: v, atts: atts}
	if msg.HTMLBlob != "" {
		out, err := s.sanitize(ctx, msg, atts, toCID)
		if err != nil {
			return nil, err
		}
		c.html = string(out.HTML)
	}
	if msg.TextBlob != "" {
		if c.text, err = s.readBlob(ctx, msg.TextBlob, maxBody); err != nil {
			return nil, err
		}
	}
	if err := s.auditVisit(ctx, KindCopy, msg, rc, who, ""); err != nil {
		return nil, err
	}
	return c, nil
}

// copyName is the copy's file name.
func copyName(subject string) string {
	name := CleanFilename(strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, subject))
	if name == "" || name == "." || name == "file" {
		name = "message"
	}
	if len(name) > 100 {
		name = strings.ToValidUTF8(name[:100], "")
	}
	return name + ".eml"
}

// WriteTo writes the copy. An error half-way means w holds a partial
// file: the caller must not pass it off as whole.
func (c *Copy) WriteTo(ctx context.Context, w io.Writer) error {
	top, err := message.CreateWriter(w, c.header().Header)
	if err != nil {
		return err
	}
	if len(c.files()) == 0 {
		if err := c.writeBody(ctx, top); err != nil {
			return err
		}
		return top.Close()
	}
	body, err := top.CreatePart(c.bodyHeader())
	if err != nil {
		return err
	}
	if err := c.writeBody(ctx, body); err != nil {
		return err
	}
	if err := body.Close(); err != nil {
		return err
	}
	for _, a := range c.files() {
		if err := c.writePart(ctx, top, a, "attachment"); err != nil {
			return err
		}
	}
	return top.Close()
}

// header is the copy's top header: who, to whom, when, what.
func (c *Copy) header() mail.Header {
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: c.view.SenderName, Address: c.view.SenderAddress}})
	h.SetAddressList("To", addresses(c.view.To))
	if len(c.view.Cc) > 0 {
		h.SetAddressList("Cc", addresses(c.view.Cc))
	}
	h.SetDate(c.view.Date)
	h.SetSubject(c.view.Subject)
	if id := strings.Trim(c.msg.HeaderMessageID, "<>"); id != "" {
		h.SetMessageID(id)
	}
	if len(c.files()) > 0 {
		h.SetContentType("multipart/mixed", nil)
		return h
	}
	body := c.bodyHeader()
	for k, v := range body.Map() {
		h.Set(k, v[0])
	}
	return h
}

func addresses(list []string) []*mail.Address {
	out := make([]*mail.Address, 0, len(list))
	for _, a := range list {
		out = append(out, &mail.Address{Address: a})
	}
	return out
}

// files are the parts listed as attachments; inline images travel with
// the HTML body instead.
func (c *Copy) files() []db.Attachment {
	var out []db.Attachment
	for _, a := range c.atts {
		if !c.inline(a) {
			out = append(out, a)
		}
	}
	return out
}

// inline reports whether a part is an image the HTML body shows.
func (c *Copy) inline(a db.Attachment) bool { return c.html != "" && embedded(a) }

func (c *Copy) images() []db.Attachment {
	var out []db.Attachment
	for _, a := range c.atts {
		if c.inline(a) {
			out = append(out, a)
		}
	}
	return out
}

// bodyHeader is the Content-Type of the body: related (HTML with its
// images), alternative (text and HTML), or one text part.
func (c *Copy) bodyHeader() message.Header {
	var h message.Header
	switch {
	case c.html != "" && len(c.images()) > 0:
		h.SetContentType("multipart/related", map[string]string{"type": "multipart/alternative"})
	case c.html != "" && c.text != "":
		h.SetContentType("multipart/alternative", nil)
	case c.html != "":
		return textHeader("text/html")
	default:
		return textHeader("text/plain")
	}
	return h
}

func textHeader(ct string) message.Header {
	var h message.Header
	h.SetContentType(ct, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	return h
}

// writeBody writes the body into w, whose header bodyHeader made.
func (c *Copy) writeBody(ctx context.Context, w *message.Writer) error {
	html := c.html
	switch {
	case html != "" && len(c.images()) > 0:
		var alt message.Header
		alt.SetContentType("multipart/alternative", nil)
		if c.text == "" {
			alt = textHeader("text/html")
		}
		aw, err := w.CreatePart(alt)
		if err != nil {
			return err
		}
		if err := c.writeTexts(aw, html); err != nil {
			return err
		}
		if err := aw.Close(); err != nil {
			return err
		}
		for _, a := range c.images() {
			if err := c.writePart(ctx, w, a, "inline"); err != nil {
				return err
			}
		}
		return nil
	case html != "" && c.text != "":
		return c.writeTexts(w, html)
	case html != "":
		_, err := io.WriteString(w, html)
		return err
	}
	_, err := io.WriteString(w, c.text)
	return err
}

// writeTexts fills an alternative with the text and the HTML, or writes
// the HTML alone into a text/html part.
func (c *Copy) writeTexts(w *message.Writer, html string) error {
	if c.text == "" {
		_, err := io.WriteString(w, html)
		return err
	}
	for _, p := range []struct{ ct, body string }{{"text/plain", c.text}, {"text/html", html}} {
		pw, err := w.CreatePart(textHeader(p.ct))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, p.body); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// writePart streams one stored file, decrypted, into a base64 part.
func (c *Copy) writePart(ctx context.Context, w *message.Writer, a db.Attachment, disposition string) error {
	name, err := c.s.attachmentName(c.msg, a)
	if err != nil {
		return err
	}
	var h message.Header
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.SetContentType(ct, nil)
	h.Set("Content-Transfer-Encoding", "base64")
	params := map[string]string{}
	if name = CleanFilename(name); name != "" {
		params["filename"] = name
	}
	// RFC 2231 for a name beyond ASCII (go-message would write an RFC 2047
	// encoded word, which the standard does not allow in a parameter).
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, params))
	if a.ContentID != "" {
		h.Set("Content-Id", "<"+a.ContentID+">")
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	body, err := c.s.opt.Vault.Open(ctx, a.BlobID)
	if err != nil {
		return fmt.Errorf("opening part %d: %w", a.Position, err)
	}
	_, err = io.Copy(pw, body)
	return errors.Join(err, body.Close(), pw.Close())
}
