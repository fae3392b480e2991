package mime

import (
	"bytes"
	"errors"
	"io"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// headerEnd is how a header block ended.
type headerEnd int

const (
	endBlank     headerEnd = iota // at the blank line, as RFC 5322 wants
	endInput                      // at the end of the input
	endDelimiter                  // at a delimiter line: the part has no body
	endText                       // at a line that is not a header field, which begins the body
)

// errHeaderSize is what header returns once a block exceeds its budget.
var errHeaderSize = errors.New("mime: header too big")

// block is one header block as read.
type block struct {
	h       message.Header
	end     headerEnd
	fields  int
	defects []string // kinds of what was wrong at the start of the block
}

// header reads a header block of at most budget bytes, leniently, as mail
// readers do: the block ends at the blank line, or else at the first line
// that is not a header field (which is given back to begin the body), at a
// delimiter line or at the end of the input. The message's own header (top)
// may start with an mbox "From " line or stray continuation lines; they are
// skipped. go-message's ReadHeader is not used: it refuses all of this.
func (s *scanner) header(budget int, top bool) (block, error) {
	r := headerReader{s: s, top: top}
	used, rest := 0, restNone
	for {
		line, all, err := s.next()
		if len(line) == 0 {
			if err != io.EOF {
				return r.b, err
			}
			r.b.end = endInput
			break
		}
		if used += len(line); used > budget {
			return r.b, errHeaderSize
		}
		ended := false
		switch rest {
		case restKeep: // the rest of a line longer than the buffer
			r.extend(line)
		case restNone:
			rest, ended = r.line(line, all)
		}
		if ended {
			break
		}
		if all {
			rest = restNone
		}
	}
	r.b.h, r.b.fields = build(r.fields), len(r.fields)
	return r.b, nil
}

// headerReader is the state of one header block being read.
type headerReader struct {
	s      *scanner
	top    bool
	fields [][]byte
	b      block
}

// rest is what becomes of the rest of a line longer than the buffer.
type rest int

const (
	restNone rest = iota // the line was whole: the next piece starts a line
	restKeep             // it continues the last field
	restSkip             // it is dropped with the line's start
)

// fromLine starts the separator line of an mbox file.
var fromLine = []byte("From ")

// line takes the first piece of a line: it reports what to do with the
// rest of the line and whether the block has ended.
func (r *headerReader) line(line []byte, all bool) (rest, bool) {
	if d, ok := r.s.match(line); ok && all {
		r.s.hit, r.b.end = d, endDelimiter
		return restNone, true
	}
	switch kind := lineKind(line, all); {
	case kind == lineBlank:
		r.b.end = endBlank
		return restNone, true
	case kind == lineFold && len(r.fields) > 0:
		r.extend(line)
		return restKeep, false
	case r.top && len(r.fields) == 0 && (kind == lineFold || kind == lineOther && bytes.HasPrefix(line, fromLine)):
		r.b.defects = append(r.b.defects, leadingKind(kind))
		return restSkip, false
	case kind == lineField:
		r.fields = append(r.fields, append([]byte(nil), line...))
		return restKeep, false
	}
	r.s.unread(line, all)
	r.b.end = endText
	return restNone, true
}

// extend adds a continuation to the last field.
func (r *headerReader) extend(line []byte) {
	r.fields[len(r.fields)-1] = append(r.fields[len(r.fields)-1], line...)
}

func leadingKind(k lineType) string {
	if k == lineFold {
		return DefectHeaderStartsFolded
	}
	return DefectMboxFromLine
}

// lineType classifies a line of a header block.
type lineType int

const (
	lineField lineType = iota // "Name: value"
	lineFold                  // starts with a space or tab: continues a field
	lineBlank                 // ends the block; may hold spaces
	lineOther                 // anything else: the body has begun
)

// lineKind classifies the first piece of a line. A field name is printable
// ASCII without a colon; spaces before the colon are allowed, as they
// appear in the wild.
func lineKind(line []byte, all bool) lineType {
	if line[0] == ' ' || line[0] == '\t' {
		// A line of nothing but spaces would fold nothing into a field: it
		// is the blank line, typed with a stray space.
		if rest := bytes.TrimLeft(line, " \t"); all && (bytes.Equal(rest, crlf) || bytes.Equal(rest, crlf[1:])) {
			return lineBlank
		}
		return lineFold
	}
	if all && (bytes.Equal(line, crlf) || bytes.Equal(line, crlf[1:])) {
		return lineBlank
	}
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return lineOther
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return lineOther
	}
	for _, c := range name {
		if c < '!' || c > '~' {
			return lineOther
		}
	}
	return lineField
}

// build makes a go-message header from raw fields, in order. go-message
// keeps fields last first, so they are added in reverse.
func build(fields [][]byte) message.Header {
	var h textproto.Header
	for i := len(fields) - 1; i >= 0; i-- {
		h.AddRaw(fields[i])
	}
	return message.Header{Header: h}
}
