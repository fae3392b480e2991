package mime

import (
	"bufio"
	"io"
)

// maxQPSpace is the longest run of spaces and tabs the quoted-printable
// reader holds back to see whether a line end follows it.
const maxQPSpace = 256

// qpReader decodes quoted-printable leniently, as mail readers do, where
// mime/quotedprintable refuses: any byte passes (control characters
// included), lines may be of any length, an "=" that starts neither an
// escape nor a soft line break is kept as written, and hex digits may be
// lower case. Spaces and tabs at the end of a line are dropped (RFC 2045:
// a transport may have added them).
type qpReader struct {
	br   *bufio.Reader
	run  [maxQPSpace]byte
	pend []byte // decoded bytes not yet handed out
}

func newQPReader(r io.Reader) *qpReader {
	return &qpReader{br: bufio.NewReaderSize(r, 4*maxQPSpace)}
}

// Read implements io.Reader.
func (q *qpReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(q.pend) > 0 {
			k := copy(p[n:], q.pend)
			q.pend = q.pend[k:]
			n += k
			continue
		}
		c, err := q.br.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil // the error comes again with the next Read
			}
			return 0, err
		}
		switch c {
		case ' ', '\t':
			q.space(c)
		case '=':
			q.escape()
		default:
			p[n] = c
			n++
		}
	}
	return n, nil
}

// space reads a run of spaces and tabs that began with c and keeps it
// unless a line end or the end of the input follows.
func (q *qpReader) space(c byte) {
	q.run[0] = c
	k := 1
	for k < len(q.run) {
		b, err := q.br.Peek(1)
		if err != nil || (b[0] != ' ' && b[0] != '\t') {
			break
		}
		q.run[k] = b[0]
		k++
		_, _ = q.br.Discard(1) // peeked: cannot fail
	}
	if k == len(q.run) || !q.atLineEnd(0) {
		q.pend = q.run[:k]
	}
}

// atLineEnd reports whether the bytes from offset i of what follows are a
// line end, or the end of the input.
func (q *qpReader) atLineEnd(i int) bool {
	b, _ := q.br.Peek(i + 2)
	switch {
	case len(b) == i:
		return true
	case b[i] == '\n':
		return true
	}
	return len(b) == i+2 && b[i] == '\r' && b[i+1] == '\n'
}

// escape reads what follows an "=": two hex digits, or a soft line break
// (spaces and tabs, then a line end or the end of the input), or else
// nothing, and the "=" is kept.
func (q *qpReader) escape() {
	b, _ := q.br.Peek(2)
	if len(b) == 2 && isHex(b[0]) && isHex(b[1]) {
		q.run[0] = unhex(b[0])<<4 | unhex(b[1])
		q.pend = q.run[:1]
		_, _ = q.br.Discard(2)
		return
	}
	b, _ = q.br.Peek(maxQPSpace)
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i < maxQPSpace && q.atLineEnd(i) {
		b, _ = q.br.Peek(i + 2)
		if len(b) > i && b[i] == '\r' {
			i++
		}
		_, _ = q.br.Discard(min(i+1, len(b)))
		return
	}
	q.run[0] = '='
	q.pend = q.run[:1]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
