package mime

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchMessages are a large attachment, a long text and the whole corpus.
func benchMessages(b *testing.B) map[string][]byte {
	b.Helper()
	var att bytes.Buffer
	att.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nSee attached.\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.NewEncoder(base64.StdEncoding, &lineBreaker{w: &att})
	_, _ = enc.Write(bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16))
	_ = enc.Close()
	att.WriteString("\r\n--b--\r\n")
	text := "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
		strings.Repeat("A line of ordinary text, as people write it in mail.\r\n", 20000) + "--b--\r\n"
	var corpus bytes.Buffer
	files, _ := filepath.Glob("testdata/mime/*.eml")
	for _, f := range files {
		if d, err := os.ReadFile(f); err == nil && !strings.Contains(f, "refuse-") {
			corpus.Write(d)
			corpus.WriteByte(0) // separator, split below
		}
	}
	return map[string][]byte{"attachment-8MiB": att.Bytes(), "text-1MiB": []byte(text), "corpus": corpus.Bytes()}
}

func BenchmarkParse(b *testing.B) {
	for name, data := range benchMessages(b) {
		msgs := bytes.Split(data, []byte{0})
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range msgs {
					if len(m) > 0 {
						_, _ = Parse(bytes.NewReader(m), DefaultLimits(), nil)
					}
				}
			}
		})
	}
}
