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
	var b block
	var fields [][]byte
	used, cont, skip := 0, false, false
	for {
		line, all, err := s.next()
		if len(line) == 0 {
			if err != io.EOF {
				return b, err
			}
			b.end = endInput
			break
		}
		if used += len(line); used > budget {
			return b, errHeaderSize
		}
		if cont || skip { // the rest of a line longer than the buffer
			if cont {
				fields[len(fields)-1] = append(fields[len(fields)-1], line...)
			}
			cont, skip = cont && !all, skip && !all
			continue
		}
		if d, ok := s.match(line); ok && all {
			s.hit, b.end = d, endDelimiter
			break
		}
		kind := lineKind(line, all)
		if kind == lineBlank {
			b.end = endBlank
			break
		}
		if kind == lineFold && len(fields) > 0 {
			fields[len(fields)-1] = append(fields[len(fields)-1], line...)
			cont = !all
			continue
		}
		if top && len(fields) == 0 && (kind == lineFold || kind == lineOther && bytes.HasPrefix(line, []byte("From "))) {
			b.defects = append(b.defects, leadingKind(kind))
			skip = !all
			continue
		}
		if kind != lineField {
			s.unread(line, all)
			b.end = endText
			break
		}
		fields = append(fields, append([]byte(nil), line...))
		cont = !all
	}
	b.h, b.fields = build(fields), len(fields)
	return b, nil
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
