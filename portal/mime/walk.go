package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// walker visits the MIME tree depth first, as the input arrives, and
// collects what Parse returns. Multipart nesting is walked by recursion,
// which MaxDepth bounds.
type walker struct {
	lim     Limits
	sink    Sink
	g       *guard
	s       *scanner
	parts   int
	left    int64    // text and HTML bytes still allowed
	texts   []string // text/plain body parts, in order
	htmls   []string // text/html body parts, in order
	atts    []Attachment
	defects defects
}

// alternative records which kinds of body a multipart/alternative has given
// already: a second text/plain in the same alternative is another rendering
// of the same content, not more of it.
type alternative struct{ text, html bool }

// take reports whether a body part of kind k may join the bodies, and marks
// the kind as given. Outside an alternative (a == nil) every body part joins.
func (a *alternative) take(k kind) bool {
	if a == nil {
		return true
	}
	seen := &a.text
	if k == kindHTML {
		seen = &a.html
	}
	if *seen {
		return false
	}
	*seen = true
	return true
}

// entity handles one node of the tree whose header has been read: its body
// is the scanner's next section. depth is the number of multiparts around
// it, path its name in a Defect.
func (w *walker) entity(h message.Header, depth int, alt *alternative, path string) error {
	if err := w.count(); err != nil {
		return err
	}
	p := describe(h)
	w.s.begin()
	var err error
	if strings.HasPrefix(p.mediaType, "multipart/") {
		err = w.multipart(p, depth+1, alt, path)
	} else {
		err = w.leaf(p, w.s, alt, path)
	}
	if err != nil {
		return err
	}
	// Drain what the handler left: an epilogue, bytes after base64 padding.
	if _, err := io.Copy(io.Discard, w.s); err != nil {
		return w.inputErr(err)
	}
	return nil
}

// count counts one more entity against MaxParts.
func (w *walker) count() error {
	if w.parts++; w.parts > w.lim.MaxParts {
		return errTooManyParts(w.lim)
	}
	return nil
}

// multipart walks the parts of a multipart entity at the given depth. A
// multipart that cannot be split (no usable boundary, a boundary that never
// appears, no part at all) is read as one text part with its raw content.
func (w *walker) multipart(p partInfo, depth int, alt *alternative, path string) error {
	if depth > w.lim.MaxDepth {
		return errTooDeep(w.lim)
	}
	boundary := strings.TrimRight(p.params["boundary"], " \t")
	if boundary == "" || len(boundary) > maxBoundary || strings.ContainsAny(boundary, "\r\n") {
		return w.unsplit(DefectNoBoundary, w.s, alt, path)
	}
	if w.s.open(boundary) {
		w.defects.add(DefectBoundaryReused, path)
	}
	level := w.s.push(boundary)
	if split, err := w.opened(level, alt, path); !split || err != nil {
		return err
	}
	var inner *alternative
	if p.mediaType == "multipart/alternative" {
		inner = &alternative{}
	}
	closed, err := w.children(level, depth, inner, path)
	w.s.pop()
	if err != nil {
		return err
	}
	if !closed {
		w.defects.add(DefectUnclosed, path)
	}
	// The epilogue ends at a delimiter of a multipart around this one: with
	// this one closed, a reused boundary belongs to its parent again.
	w.s.begin()
	return nil
}

// opened reads the preamble of the multipart at level up to its first
// delimiter and reports whether parts follow. When the delimiter never
// comes, or closes the multipart at once, the preamble is all the content
// there is: it is read as one text part, and the multipart is closed.
func (w *walker) opened(level int, alt *alternative, path string) (bool, error) {
	pre, err := w.preamble()
	if err != nil {
		return false, err
	}
	d, ours := w.s.take(level)
	if ours && !d.close {
		return true, nil
	}
	w.s.pop()
	w.s.begin() // after a closing line: the epilogue, which entity drains
	if ours {
		return false, w.unsplit(DefectNoParts, bytes.NewReader(pre), alt, path)
	}
	return false, w.unsplit(DefectBoundaryNotFound, bytes.NewReader(pre), alt, path)
}

// unsplit reads a multipart that cannot be split as one text part with its
// raw content, and records why.
func (w *walker) unsplit(kind string, raw io.Reader, alt *alternative, path string) error {
	w.defects.add(kind, path)
	return w.leaf(describe(message.Header{}), raw, alt, path)
}

// maxBoundary is the longest boundary used: RFC 2046 allows 70
// characters; mail in the wild sometimes has more.
const maxBoundary = 200

// children reads the parts that follow a multipart's first delimiter and
// reports whether its closing delimiter came.
func (w *walker) children(level, depth int, alt *alternative, path string) (bool, error) {
	for n := 1; ; n++ {
		where := partPath(path, n)
		b, err := w.s.header(w.lim.MaxHeaderBytes, false)
		if err != nil {
			return false, w.headerErr(err)
		}
		switch {
		case b.fields == 0 && b.end == endDelimiter:
			if err := w.count(); err != nil {
				return false, err
			}
			w.defects.add(DefectEmptyPart, where)
		case b.fields == 0 && b.end == endInput:
		default:
			if b.end == endText && b.fields == 0 {
				w.defects.add(DefectNoHeader, where)
			} else if b.end == endText {
				w.defects.add(DefectNoBlankLine, where)
			}
			if err := w.entity(b.h, depth, alt, where); err != nil {
				return false, err
			}
		}
		d, ours := w.s.take(level)
		if !ours || d.close {
			return ours, nil
		}
	}
}

// preamble reads the section before a multipart's first delimiter. It is
// kept, within what is left of MaxBodyBytes, in case the delimiter never
// comes and the preamble is all the content there is.
func (w *walker) preamble() ([]byte, error) {
	var buf bytes.Buffer
	_, err := io.Copy(&buf, io.LimitReader(w.s, w.left+1))
	if err == nil {
		_, err = io.Copy(io.Discard, w.s)
	}
	if err != nil {
		return nil, w.inputErr(err)
	}
	return buf.Bytes(), nil
}

// inputErr reports a failure of the input while reading a body.
func (w *walker) inputErr(err error) error {
	return fmt.Errorf("reading the message: %w", w.g.errOr(err))
}

// headerErr turns a failure to read a header into what Parse returns.
func (w *walker) headerErr(err error) error {
	if errors.Is(err, errHeaderSize) {
		return errHeaderTooBig(w.lim)
	}
	return w.inputErr(err)
}
