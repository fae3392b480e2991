package mime

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message/charset"
)

// leaf handles a part that is not multipart: a body joins the texts, anything
// else goes to the Sink. raw is its body, still transfer-encoded.
func (w *walker) leaf(p partInfo, raw io.Reader, alt *alternative, path string) error {
	body, known := decodeTransfer(p.cte, raw)
	if !known {
		w.defects.add(DefectUnknownEncoding, path)
	}
	k := p.kind()
	if k == kindAttachment || !alt.take(k) {
		return w.attach(p.info, body)
	}
	text, known := toUTF8(p.params["charset"], body)
	if !known {
		w.defects.add(DefectUnknownCharset, path)
	}
	s, err := w.readBody(text)
	if err != nil {
		return err
	}
	if k == kindText {
		w.texts = append(w.texts, s)
	} else {
		w.htmls = append(w.htmls, s)
	}
	return nil
}

// readBody reads a decoded body within what is left of MaxBodyBytes and
// returns it as valid UTF-8 with LF line ends. Invalid sequences (an unknown
// charset, 8-bit bytes under us-ascii) become U+FFFD.
func (w *walker) readBody(r io.Reader) (string, error) {
	m := &meter{r: r}
	b, _ := io.ReadAll(io.LimitReader(m, w.left+1))
	if err := w.failure(m.err, "The text of the message could not be decoded."); err != nil {
		return "", err
	}
	if int64(len(b)) > w.left {
		return "", errBodyTooBig(w.lim)
	}
	w.left -= int64(len(b))
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\r\n", "\n"), nil
}

// attach streams one attachment to the Sink and records it.
func (w *walker) attach(info AttachmentInfo, body io.Reader) error {
	m := &meter{r: body}
	ref, err := w.store(info, m)
	var extra int64
	if err == nil {
		extra, _ = io.Copy(io.Discard, m)
	}
	if ferr := w.failure(m.err, "An attachment of the message could not be decoded."); ferr != nil {
		return ferr
	}
	if err != nil {
		return fmt.Errorf("storing attachment %q: %w", info.Filename, err)
	}
	if extra > 0 {
		return fmt.Errorf("storing attachment %q: the sink left %d bytes unread", info.Filename, extra)
	}
	w.atts = append(w.atts, Attachment{AttachmentInfo: info, Ref: ref, Size: m.n - extra})
	return nil
}

// store hands r to the Sink, or discards it when there is none.
func (w *walker) store(info AttachmentInfo, r io.Reader) (string, error) {
	if w.sink == nil {
		_, _ = io.Copy(io.Discard, r) // a read error is kept by the meter
		return "", nil
	}
	return w.sink.Attachment(info, r)
}

// failure turns a read error into what Parse returns: an input failure stays
// an ordinary error; anything else is the mail's encoding, and a refusal.
func (w *walker) failure(readErr error, sentence string) error {
	switch {
	case w.g.err != nil:
		return fmt.Errorf("reading the message: %w", w.g.err)
	case readErr != nil:
		return refuse(KeyUndecodable, readErr, "%s", sentence)
	}
	return nil
}

// decodeTransfer undoes a Content-Transfer-Encoding and reports whether it
// knows the encoding. 7bit, 8bit, binary and a missing one pass the bytes
// through unchanged; so does an unknown one, as go-message does.
func decodeTransfer(cte string, r io.Reader) (io.Reader, bool) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return endAtCorrupt{base64.NewDecoder(base64.RawStdEncoding, &base64Filter{r: r})}, true
	case "quoted-printable":
		return newQPReader(r), true
	case "", "7bit", "8bit", "binary":
		return r, true
	}
	return r, false
}

// toUTF8 converts a text body from its charset with go-message's charset
// table and reports whether it knows the charset. An unknown charset keeps
// the bytes; readBody replaces what is not UTF-8.
func toUTF8(name string, r io.Reader) (io.Reader, bool) {
	switch cs := strings.ToLower(strings.TrimSpace(name)); cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return r, true
	default:
		if d, err := charset.Reader(cs, r); err == nil {
			return d, true
		}
	}
	return r, false
}

// base64Filter is lenient base64 input, as mail readers are: it drops every
// byte outside the alphabet (line breaks, stray spaces, garbage) and stops at
// the first '=' padding, so RawStdEncoding decodes padded and unpadded
// bodies alike.
type base64Filter struct {
	r    io.Reader
	done bool
}

// Read implements io.Reader.
func (f *base64Filter) Read(p []byte) (int, error) {
	for !f.done {
		n, err := f.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c == '=' {
				f.done = true
				break
			}
			if isBase64(c) {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
	return 0, io.EOF
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// endAtCorrupt ends the stream where the decoder finds it corrupt. After
// base64Filter the only corruption left is a single dangling character at
// the end, which carries less than one byte.
type endAtCorrupt struct{ r io.Reader }

// Read implements io.Reader.
func (e endAtCorrupt) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	var c base64.CorruptInputError
	if errors.As(err, &c) {
		err = io.EOF
	}
	return n, err
}
