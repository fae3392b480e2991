package mime

import (
	"errors"
	"io"
)

// errHeaderBudget is what the guard returns once a header has used up its
// budget. The parsers above it wrap errors with %v, so Parse never tests for
// this value; it asks the guard (tripped) instead.
var errHeaderBudget = errors.New("mime: header budget exhausted")

// guard sits between the input and every parser above it.
//
// While a header is being read it lets through at most a budget of bytes.
// textproto.ReadHeader keeps everything it reads, so this bounds the memory a
// header can cost. go-message only bounds the top-level header; part headers
// are read from the multipart reader's buffer with no limit at all, which is
// why the limit lives here, under every layer.
//
// The guard also remembers a failure of the input itself, so that a dropped
// connection is reported as such and not as broken mail.
type guard struct {
	r       io.Reader
	limited bool
	left    int64
	tripped bool
	err     error
}

// Read implements io.Reader.
func (g *guard) Read(p []byte) (int, error) {
	if g.limited {
		if g.left <= 0 {
			g.tripped = true
			return 0, errHeaderBudget
		}
		if int64(len(p)) > g.left {
			p = p[:g.left]
		}
	}
	n, err := g.r.Read(p)
	g.left -= int64(n)
	if err != nil && err != io.EOF && g.err == nil {
		g.err = err
	}
	return n, err
}

// startHeader limits the bytes read from now on to budget.
func (g *guard) startHeader(budget int64) { g.limited, g.left = true, budget }

// endHeader lifts the limit: bodies stream without one.
func (g *guard) endHeader() { g.limited = false }

// readAhead is the buffer each reading layer may fill beyond what the header
// parser asked for: the top-level bufio.Reader and one multipart reader per
// nesting level, each 4 KiB.
const readAhead = 4096

// headerBudget is the number of input bytes a header at the given multipart
// depth may consume. The bytes between parts (the boundary line, a preamble,
// the previous multipart's epilogue) are read at the same time and count too.
func headerBudget(lim Limits, depth int) int64 {
	return int64(lim.MaxHeaderBytes) + int64(depth+2)*readAhead
}

// softEOF turns io.ErrUnexpectedEOF into io.EOF. The multipart reader reports
// a part that ends with the input, without its closing boundary, that way; a
// mail reader shows such a part, and so do we.
type softEOF struct{ r io.Reader }

// Read implements io.Reader.
func (s softEOF) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// meter counts the bytes read through it and keeps the first error other
// than io.EOF, so that a decoding failure can be told apart from a failure
// of whoever was reading.
type meter struct {
	r   io.Reader
	n   int64
	err error
}

// Read implements io.Reader.
func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.n += int64(n)
	if err != nil && err != io.EOF && m.err == nil {
		m.err = err
	}
	return n, err
}

// canonical reads bare LF as CRLF, SMTP's canonical line end. Mail written
// by scripts often mixes the two (CRLF headers, LF bodies); go-message's
// multipart reader settles on one style at the first boundary and then
// misses boundaries written in the other. A body sent with
// Content-Transfer-Encoding: binary would change, which is why the SMTP
// intake must not offer BINARYMIME.
type canonical struct {
	r       io.Reader
	cr      bool   // the last byte passed on was CR
	pending bool   // an LF is owed after a CR already passed on
	buf     []byte // scratch for reads
}

// Read implements io.Reader; it fills at most len(p) bytes.
func (c *canonical) Read(p []byte) (int, error) {
	k := 0
	if c.pending && len(p) > 0 {
		p[0], c.pending, k = '\n', false, 1
	}
	want := (len(p) - k) / 2
	if want == 0 {
		want = min(1, len(p)-k)
	}
	if want == 0 {
		return k, nil
	}
	if cap(c.buf) < want {
		c.buf = make([]byte, want)
	}
	n, err := c.r.Read(c.buf[:want])
	for _, b := range c.buf[:n] {
		if b == '\n' && !c.cr {
			p[k] = '\r'
			k++
			if k == len(p) {
				c.pending, c.cr = true, false
				return k, nil // the LF is still owed; the error will come again
			}
		}
		p[k] = b
		k++
		c.cr = b == '\r'
	}
	return k, err
}
