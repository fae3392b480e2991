package mime

import "io"

// guard sits between the input and every reader above it and remembers a
// failure of the input itself, so that a dropped connection is reported as
// such and not as broken mail. (Header sizes are bounded where headers are
// read, in scanner.header.)
type guard struct {
	r   io.Reader
	err error
}

// Read implements io.Reader.
func (g *guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF && g.err == nil {
		g.err = err
	}
	return n, err
}

// errOr returns the input's failure when there was one, else err.
func (g *guard) errOr(err error) error {
	if g.err != nil {
		return g.err
	}
	return err
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
