package mime

import (
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// walker visits the MIME tree depth first, as the input arrives, and
// collects what Parse returns. Multipart nesting is walked by recursion,
// which MaxDepth bounds.
type walker struct {
	lim   Limits
	sink  Sink
	g     *guard
	parts int
	left  int64    // text and HTML bytes still allowed
	texts []string // text/plain body parts, in order
	htmls []string // text/html body parts, in order
	atts  []Attachment
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

// entity handles one node of the tree: h is its header, body its raw
// (still transfer-encoded) body, depth the number of multiparts around it.
func (w *walker) entity(h message.Header, body io.Reader, depth int, alt *alternative) error {
	w.parts++
	if w.parts > w.lim.MaxParts {
		return errTooManyParts(w.lim)
	}
	p := describe(h)
	var err error
	if strings.HasPrefix(p.mediaType, "multipart/") {
		err = w.multipart(p, body, depth+1)
	} else {
		err = w.leaf(p, body, alt)
	}
	if err != nil {
		return err
	}
	// Drain what the handler left (an epilogue, bytes after base64 padding)
	// now, while no header limit applies, rather than inside the next header.
	if _, err := io.Copy(io.Discard, softEOF{body}); err != nil && w.g.err != nil {
		return fmt.Errorf("reading the message: %w", w.g.err)
	}
	return nil
}

// multipart walks the parts of a multipart entity at the given depth.
func (w *walker) multipart(p partInfo, body io.Reader, depth int) error {
	if depth > w.lim.MaxDepth {
		return errTooDeep(w.lim)
	}
	if p.params["boundary"] == "" {
		return errNoParts()
	}
	var alt *alternative
	if p.mediaType == "multipart/alternative" {
		alt = &alternative{}
	}
	mr := textproto.NewMultipartReader(body, p.params["boundary"])
	for n := 0; ; n++ {
		part, err := w.next(mr, depth, n)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		h := message.Header{Header: part.Header}
		if err := w.entity(h, softEOF{part}, depth, alt); err != nil {
			return err
		}
	}
}

// next reads the header of part n under the header budget. It returns
// io.EOF after the last part, also when the input ends without the final
// boundary (a reader shows what arrived), and a refusal when the multipart
// has no part at all or cannot be read on.
func (w *walker) next(mr *textproto.MultipartReader, depth, n int) (*textproto.Part, error) {
	w.g.startHeader(headerBudget(w.lim, depth))
	part, err := mr.NextPart()
	w.g.endHeader()
	switch {
	case w.g.tripped:
		return nil, errHeaderTooBig(w.lim)
	case w.g.err != nil:
		return nil, fmt.Errorf("reading the message: %w", w.g.err)
	case err == nil:
		return part, nil
	case err == io.EOF:
		return nil, io.EOF
	case n == 0 && truncated(err):
		return nil, errNoParts()
	case truncated(err):
		return nil, io.EOF
	}
	return nil, refuse(KeyMalformed, err, "A part of the message is malformed, so the message cannot be read whole.")
}

// truncated reports whether the multipart reader stopped because its input
// ended. textproto formats that error with %v, so its text is all there is
// to go by; TestCorpus pins it (missing-final-boundary.eml,
// refuse-boundary-absent.eml).
func truncated(err error) bool {
	return strings.HasSuffix(err.Error(), "EOF")
}
