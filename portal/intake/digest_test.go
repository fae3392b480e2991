package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"sluis/portal/mime"
)

// TestDigestOfTheMessageAsReceived: the submission carries the SHA-256 of
// the message exactly as the sender's program sent it, after
// dot-unstuffing, which the proof of delivery shows.
func TestDigestOfTheMessageAsReceived(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.login(t)
	msg := mail(alice, "digest", "first line\r\n.a line that began with a dot\r\nlast line")
	must(t, send(c, alice, []string{"carol@client.example"}, msg))
	subs, _, _ := e.sub.state()
	if len(subs) != 1 {
		t.Fatalf("%d submissions", len(subs))
	}
	sum := sha256.Sum256([]byte(msg))
	if got, want := subs[0].SHA256, hex.EncodeToString(sum[:]); got != want {
		t.Errorf("digest %s, want %s (of %d bytes)", got, want, subs[0].Size)
	}
}

// discardSink consumes attachments and keeps nothing.
type discardSink struct{}

func (discardSink) Attachment(_ mime.AttachmentInfo, r io.Reader) (string, error) {
	_, err := io.Copy(io.Discard, r)
	return "x", err
}

// BenchmarkDigest is what hashing DATA while it streams adds to parsing a
// 10 MB message (one 7.5 MB attachment): the two side by side.
func BenchmarkDigest(b *testing.B) {
	att := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("0123456789abcdef"), 7_500_000/16))
	var lines []string
	for len(att) > 76 {
		lines, att = append(lines, att[:76]), att[76:]
	}
	msg := []byte(withAttachment(alice)[:strings.Index(withAttachment(alice), "--b--")] +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=big.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Join(append(lines, att), "\r\n") + "\r\n--b--\r\n")
	b.Run("sha256 alone", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			sha256.Sum256(msg)
		}
	})
	for _, hashed := range []bool{false, true} {
		b.Run(map[bool]string{false: "parse", true: "parse+sha256"}[hashed], func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				var in io.Reader = bytes.NewReader(msg)
				h := sha256.New()
				if hashed {
					in = io.TeeReader(in, h)
				}
				if _, err := mime.Parse(in, mime.DefaultLimits(), discardSink{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
