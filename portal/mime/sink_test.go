package mime

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

// testSink keeps a hash, the size and the first bytes of every attachment.
type testSink struct{ got []sunk }

type sunk struct {
	info AttachmentInfo
	size int64
	sum  string
	head string
}

func (s *testSink) Attachment(a AttachmentInfo, r io.Reader) (string, error) {
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitedWriter{&head, 16}), r)
	if err != nil {
		return "", err
	}
	s.got = append(s.got, sunk{a, n, hex.EncodeToString(h.Sum(nil)), head.String()})
	return "ref-" + a.Filename, nil
}

type limitedWriter struct {
	b *bytes.Buffer
	n int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if room := w.n - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// sinkFunc adapts a function to Sink.
type sinkFunc func(AttachmentInfo, io.Reader) (string, error)

func (f sinkFunc) Attachment(a AttachmentInfo, r io.Reader) (string, error) { return f(a, r) }

const oneAttachment = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
	"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"

// TestAttachmentStreams sends an attachment far larger than MaxBodyBytes
// through Parse and checks that it arrives whole, as a stream.
func TestAttachmentStreams(t *testing.T) {
	const size = 8 << 20
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
			"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		bw := bufio.NewWriter(pw)
		enc := base64.NewEncoder(base64.StdEncoding, &lineBreaker{w: bw})
		_, _ = io.Copy(enc, io.LimitReader(endless{[]byte("0123456789abcdef")}, size))
		_ = enc.Close()
		_, _ = bw.WriteString("\r\n--b--\r\n")
		_ = pw.CloseWithError(bw.Flush())
	}()
	var got int64
	sink := sinkFunc(func(a AttachmentInfo, r io.Reader) (string, error) {
		n, err := io.Copy(io.Discard, r)
		got = n
		return "blob", err
	})
	m, err := Parse(pr, Limits{MaxBodyBytes: 1 << 20}, sink)
	if err != nil || got != size || len(m.Attachments) != 1 || m.Attachments[0].Size != size {
		t.Fatalf("Parse = %+v, %v; sink read %d", m, err, got)
	}
}

// lineBreaker breaks base64 output into 76-character lines.
type lineBreaker struct {
	w   io.Writer
	col int
}

func (l *lineBreaker) Write(p []byte) (int, error) {
	for _, c := range p {
		if l.col == 76 {
			if _, err := l.w.Write([]byte("\r\n")); err != nil {
				return 0, err
			}
			l.col = 0
		}
		if _, err := l.w.Write([]byte{c}); err != nil {
			return 0, err
		}
		l.col++
	}
	return len(p), nil
}

func TestSinkFailures(t *testing.T) {
	errDisk := errors.New("disk full")
	blocked := &Error{Key: "blocked", Msg: "Executables are not accepted.", Permanent: true}
	tests := []struct {
		name string
		sink Sink
		is   error
	}{
		{"sink error is wrapped", sinkFunc(func(AttachmentInfo, io.Reader) (string, error) { return "", errDisk }), errDisk},
		{"sink refusal passes through", sinkFunc(func(AttachmentInfo, io.Reader) (string, error) { return "", blocked }), blocked},
		{"sink that stops early", sinkFunc(func(AttachmentInfo, io.Reader) (string, error) { return "ref", nil }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(oneAttachment), DefaultLimits(), tt.sink)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), "x.pdf") {
				t.Fatalf("err = %v, want one wrapping %v", err, tt.is)
			}
			var e *Error
			if errors.As(err, &e) != (tt.is == error(blocked)) {
				t.Fatalf("err = %#v: a sink failure is not the mail's fault", err)
			}
		})
	}
}

// TestInputFailure checks that a failing input is reported as such, not as
// broken mail, wherever it fails.
func TestInputFailure(t *testing.T) {
	errConn := errors.New("connection reset")
	for _, n := range []int{10, 80, 150, 200, len(oneAttachment) - 10} {
		in := io.MultiReader(strings.NewReader(oneAttachment[:n]), failing{errConn})
		_, err := Parse(in, DefaultLimits(), nil)
		var e *Error
		if !errors.Is(err, errConn) || errors.As(err, &e) {
			t.Errorf("cut at %d: err = %v", n, err)
		}
	}
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func TestNilSinkDiscards(t *testing.T) {
	m, err := Parse(strings.NewReader(oneAttachment), DefaultLimits(), nil)
	if err != nil || m.Text != "hello" || len(m.Attachments) != 1 || m.Attachments[0].Size != 9 || m.Attachments[0].Ref != "" {
		t.Fatalf("Parse = %+v, %v", m, err)
	}
}

// TestSloppyQuotedPrintable checks that a control character in a
// quoted-printable body, which mime/quotedprintable refuses, is read as
// written, as mail readers do.
func TestSloppyQuotedPrintable(t *testing.T) {
	bad := strings.Replace(oneAttachment, "Content-Type: text/plain\r\n", "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n", 1)
	bad = strings.Replace(bad, "hello", "hel\x01lo", 1)
	m, err := Parse(strings.NewReader(bad), DefaultLimits(), nil)
	if err != nil || m.Text != "hel\x01lo" || len(m.Defects) != 0 {
		t.Fatalf("Parse = %+v, %v", m, err)
	}
}
