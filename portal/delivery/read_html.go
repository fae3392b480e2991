package delivery

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sluis/db"
	"sluis/portal/mailhtml"
)

// A message's HTML body is sanitized once, on its first read, not at
// intake (which stays fast) and not on every view (which would redo the
// same work each time). The result is kept in a blob encrypted like the
// body, noted on the message with the sanitizer's version: a blob made by
// an older version is made again. The blob holds the count of remote
// images held back, a line feed, then the sanitized HTML; nothing of it is
// kept in memory beyond the request that reads it.

// maxBlockedLine bounds the first line of a kept sanitized body.
const maxBlockedLine = 20

// HTMLBody is a message's HTML part, sanitized, as a stream the caller
// closes. A Body that fails half-way was tampered with or truncated.
type HTMLBody struct {
	Blocked int // remote images held back
	Body    io.ReadCloser
}

// ReadHTML opens the recipient's message's HTML part, sanitized, for the
// frame that shows it. It refuses as Read does (db.ErrNotFound,
// ErrClosed), and a message without an HTML part is db.ErrNotFound. It
// records nothing: Read, for the page around the frame, does.
func (s *Service) ReadHTML(ctx context.Context, req ReadRequest) (HTMLBody, error) {
	msg, _, err := s.readableFor(ctx, req)
	if err != nil {
		return HTMLBody{}, err
	}
	if msg.HTMLBlob == "" {
		return HTMLBody{}, fmt.Errorf("message %d has no HTML part: %w", msg.ID, db.ErrNotFound)
	}
	if req.RemoteImages || !s.keptHTML(msg) {
		atts, err := s.opt.Store.Attachments(ctx, msg.OrgID, msg.ID)
		if err != nil {
			return HTMLBody{}, err
		}
		if req.RemoteImages {
			// Asked for by the reader, now and then: made for this view only.
			out, err := s.sanitize(ctx, msg, atts, req)
			return HTMLBody{Body: io.NopCloser(strings.NewReader(string(out.HTML)))}, err
		}
		return s.safeHTML(ctx, msg, atts, req)
	}
	return s.safeHTML(ctx, msg, nil, req)
}

// keptHTML reports whether the message's sanitized body is kept, made by
// this sanitizer.
func (s *Service) keptHTML(msg db.Message) bool {
	return msg.SafeHTMLBlob != "" && msg.SafeHTMLVersion == mailhtml.Version
}

// safeHTML opens the kept sanitized body, making and keeping it first if
// there is none of this sanitizer's version (atts are the message's parts,
// needed only then).
func (s *Service) safeHTML(ctx context.Context, msg db.Message, atts []db.Attachment, req ReadRequest) (HTMLBody, error) {
	if s.keptHTML(msg) {
		return s.openKeptHTML(ctx, msg)
	}
	out, err := s.sanitize(ctx, msg, atts, req)
	if err != nil {
		return HTMLBody{}, err
	}
	s.keepHTML(ctx, msg, out)
	return HTMLBody{Blocked: out.Blocked, Body: io.NopCloser(strings.NewReader(string(out.HTML)))}, nil
}

// sanitize reads the message's HTML part and sanitizes it.
func (s *Service) sanitize(ctx context.Context, msg db.Message, atts []db.Attachment, req ReadRequest) (mailhtml.Body, error) {
	raw, err := s.readBlob(ctx, msg.HTMLBlob, maxBody)
	if err != nil {
		return mailhtml.Body{}, err
	}
	return mailhtml.Sanitize(raw, mailhtml.Options{Inline: inlineURLs(atts, req.InlineURL), RemoteImages: req.RemoteImages}), nil
}

// keepHTML stores a sanitized body for the next views. Failing to keep it
// costs only speed, so it is logged, not returned: the reader still sees
// the body. When another reader kept one first, this one is removed.
func (s *Service) keepHTML(ctx context.Context, msg db.Message, out mailhtml.Body) {
	content := strconv.Itoa(out.Blocked) + "\n" + string(out.HTML)
	id, _, err := s.opt.Vault.Put(ctx, strings.NewReader(content))
	if err != nil {
		s.opt.Logger.Warn("keeping a sanitized body failed", "message", msg.ID, "err", err)
		return
	}
	kept, err := s.opt.Store.SetSafeHTML(ctx, msg.OrgID, msg.ID, id, mailhtml.Version, out.Blocked)
	if err == nil && kept {
		return
	}
	if err != nil {
		s.opt.Logger.Warn("recording a sanitized body failed", "message", msg.ID, "err", err)
	}
	if err := s.opt.Vault.Delete(context.WithoutCancel(ctx), id); err != nil {
		s.opt.Logger.Warn("removing an unused sanitized body failed", "message", msg.ID, "err", err)
	}
}

// openKeptHTML opens the kept sanitized body: its first line, the count
// of images held back, is read; the HTML streams.
func (s *Service) openKeptHTML(ctx context.Context, msg db.Message) (HTMLBody, error) {
	rc, err := s.opt.Vault.Open(ctx, msg.SafeHTMLBlob)
	if err != nil {
		return HTMLBody{}, err
	}
	br := bufio.NewReader(rc)
	line, err := br.ReadSlice('\n')
	var blocked int
	if err == nil && len(line) <= maxBlockedLine {
		blocked, err = strconv.Atoi(string(line[:len(line)-1]))
	} else if err == nil || errors.Is(err, bufio.ErrBufferFull) {
		err = errors.New("no count line")
	}
	if err != nil {
		return HTMLBody{}, errors.Join(fmt.Errorf("reading the sanitized body of message %d: %w", msg.ID, err), rc.Close())
	}
	return HTMLBody{Blocked: blocked, Body: bufferedBody{br, rc}}, nil
}

// bufferedBody reads through the buffer that read the count line and
// closes the blob underneath.
type bufferedBody struct {
	*bufio.Reader
	io.Closer
}
