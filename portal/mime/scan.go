package mime

import (
	"bufio"
	"bytes"
	"io"
)

// scanBuffer is the scanner's read-ahead: the longest line it looks at
// whole. Longer lines stream through in pieces.
const scanBuffer = 8 << 10

// scanner reads the message once, line by line, for every layer of the MIME
// tree. It knows the boundary of each multipart open around the current
// position, so any of their delimiter lines ends the section being read:
// a part whose multipart never closes is ended by its parent's next
// delimiter, as mail readers do, instead of swallowing the rest of the mail.
//
// A section is the text between two structural lines: a body, a preamble,
// an epilogue. Read returns the current section; the line end before a
// delimiter belongs to the delimiter (RFC 2046), so each line end is held
// back until the next line shows it is content.
type scanner struct {
	br     *bufio.Reader
	bounds [][]byte  // the boundaries of the open multiparts, outermost first
	hit    delimiter // the delimiter line that ended the last section; level -1 when none is pending
	err    error     // the input's failure, returned for good once seen

	ended   bool   // the current section is over
	midLine bool   // the next piece continues a line longer than the buffer
	lead    []byte // the line end before out, to hand out first
	out     []byte // the rest of the current piece, to hand out
	end     []byte // the line end after out, held back: it belongs to a delimiter if one follows
	back    []byte // a line the header reader gave back, read again first
	backAll bool   // back is a whole line
}

// delimiter is a boundary line: which open multipart it belongs to and
// whether it closes it.
type delimiter struct {
	level int // index in bounds; -1 for none
	close bool
}

var crlf = []byte("\r\n")

func newScanner(r io.Reader) *scanner {
	return &scanner{br: bufio.NewReaderSize(r, scanBuffer), hit: delimiter{level: -1}}
}

// next returns the next line, or the next piece of a line longer than the
// buffer, and whether it is a whole line (ended by LF or by the input).
// The bytes are valid until the next call.
func (s *scanner) next() ([]byte, bool, error) {
	if s.back != nil {
		b, all := s.back, s.backAll
		s.back = nil
		return b, all, nil
	}
	if s.err != nil {
		return nil, false, s.err
	}
	b, err := s.br.ReadSlice('\n')
	switch {
	case err == nil:
		return b, true, nil
	case err == bufio.ErrBufferFull:
		return b, false, nil
	case err == io.EOF && len(b) > 0:
		return b, true, nil // the last line, without a line end; EOF comes next time
	case err != io.EOF:
		s.err = err
	}
	return nil, false, err
}

// unread gives a line back to be read again by the body that follows.
func (s *scanner) unread(b []byte, all bool) {
	s.back, s.backAll = append([]byte(nil), b...), all
}

// push opens a multipart and returns its level.
func (s *scanner) push(boundary string) int {
	s.bounds = append(s.bounds, []byte(boundary))
	return len(s.bounds) - 1
}

// pop closes the innermost multipart.
func (s *scanner) pop() { s.bounds = s.bounds[:len(s.bounds)-1] }

// open reports whether a multipart around the position uses boundary.
func (s *scanner) open(boundary string) bool {
	for _, b := range s.bounds {
		if string(b) == boundary {
			return true
		}
	}
	return false
}

// take returns the pending delimiter when it belongs to the multipart at
// level, and marks it as taken.
func (s *scanner) take(level int) (delimiter, bool) {
	d := s.hit
	if d.level != level {
		return d, false
	}
	s.hit = delimiter{level: -1}
	return d, true
}

// begin starts a new section. It is empty when a delimiter is pending.
func (s *scanner) begin() {
	s.ended, s.midLine, s.lead, s.out, s.end = s.hit.level >= 0, false, nil, nil, nil
}

// match reads a whole line as a delimiter of one of the open multiparts,
// the innermost first: when a nested multipart reuses its parent's
// boundary, the line belongs to the nested one until it closes.
func (s *scanner) match(line []byte) (delimiter, bool) {
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return delimiter{}, false
	}
	line = bytes.TrimRight(line[2:], " \t\r\n") // transport padding
	for i := len(s.bounds) - 1; i >= 0; i-- {
		rest, ok := bytes.CutPrefix(line, s.bounds[i])
		switch {
		case !ok:
		case len(rest) == 0:
			return delimiter{level: i}, true
		case len(rest) == 2 && rest[0] == '-' && rest[1] == '-':
			return delimiter{level: i, close: true}, true
		}
	}
	return delimiter{}, false
}

// Read returns the bytes of the current section.
func (s *scanner) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && (s.queued() || !s.ended) {
		if s.queued() {
			k := copy(p[n:], s.lead)
			s.lead = s.lead[k:]
			n += k
			k = copy(p[n:], s.out)
			s.out = s.out[k:]
			n += k
			continue
		}
		k, err := s.fill(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	if n == 0 && s.ended {
		if s.err != nil {
			return 0, s.err
		}
		return 0, io.EOF
	}
	return n, nil
}

// queued reports whether content waits to be handed out.
func (s *scanner) queued() bool { return len(s.lead) > 0 || len(s.out) > 0 }

// fill moves the section on. Once no multipart is open, the rest of the
// input is the section and is read straight into p; otherwise the next
// line either ends the section or is queued as content.
func (s *scanner) fill(p []byte) (int, error) {
	if len(s.bounds) == 0 && s.back == nil {
		if len(s.end) > 0 {
			s.lead, s.end = s.end, nil
			return 0, nil
		}
		return s.readRest(p)
	}
	line, all, err := s.next()
	if len(line) == 0 {
		s.ended, s.end = true, nil // the line end of a part cut off by the input's end
		if err != io.EOF {
			return 0, err
		}
		return 0, nil
	}
	if d, ok := s.endsSection(line, all); ok {
		s.hit, s.ended, s.end = d, true, nil
		return 0, nil
	}
	s.content(line, all)
	return 0, nil
}

// endsSection reports whether a piece of input is a delimiter line.
func (s *scanner) endsSection(line []byte, all bool) (delimiter, bool) {
	if s.midLine || !all {
		return delimiter{}, false
	}
	return s.match(line)
}

// readRest reads the input directly, once no multipart is open.
func (s *scanner) readRest(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	k, err := s.br.Read(p)
	if err == io.EOF {
		s.ended = true
		err = nil
	} else if err != nil {
		s.err = err
	}
	return k, err
}

// content queues a piece of a section's content: first the line end held
// back from the line before, then the piece without its own line end,
// which is held back in turn.
func (s *scanner) content(line []byte, all bool) {
	if s.midLine && len(s.end) == 1 && len(line) == 1 && line[0] == '\n' {
		s.end, s.midLine = crlf, false // a CR LF split between two pieces
		return
	}
	s.lead, s.midLine = s.end, !all
	// The held line end must not point into the buffer, which the next
	// line overwrites: it is always a slice of crlf.
	switch {
	case bytes.HasSuffix(line, crlf):
		s.end = crlf
	case line[len(line)-1] == '\n':
		s.end = crlf[1:]
	case !all && line[len(line)-1] == '\r':
		s.end = crlf[:1] // perhaps the first half of a CR LF
	default:
		s.end = nil
	}
	s.out = line[:len(line)-len(s.end)]
}
