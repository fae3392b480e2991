package delivery_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"sluis/internal/testworld"
	"sluis/portal/delivery"
)

// FuzzProofPDF draws a proof whose subject, sender, file name and relay
// reply are anything a mail can carry: it never panics, always gives a
// PDF, and the subject comes back from it whole when it is valid UTF-8
// in the Basic Multilingual Plane without control characters (what the
// fonts' encoding carries).
func FuzzProofPDF(f *testing.F) {
	for _, s := range []string{"Uitslag", "Şahin Yılmaz, Łódź — Ελένη, Мария", "محمد 😀 \u0301e", "\xff\xfe(\\)", strings.Repeat("x", 300),
		"a\tb\r\nc", "{nb} {nb}", ""} {
		f.Add(s, "uitslag röntgen.pdf")
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	labels := delivery.ProofLabels{T: func(k string) string { return k }, When: func(t time.Time) string { return t.Format(time.RFC3339) },
		Bytes: func(n int64) string { return "n bytes" }}
	f.Fuzz(func(t *testing.T, subject, detail string) {
		p := delivery.Proof{UID: "uid", Subject: subject, Sender: detail, Org: "Org", SHA256: "abc", Size: 1, Received: at, Generated: at,
			Recipients: []delivery.ProofRecipient{{Address: "a@example.com", Field: "to", Method: "sms", Events: []delivery.ProofEvent{
				{At: at, Kind: delivery.EventDownloaded, Detail: detail}, {At: at, Kind: "notified", Detail: subject}}}}}
		var buf bytes.Buffer
		if err := delivery.WriteProofPDF(&buf, p, labels); err != nil {
			t.Fatalf("drawing: %v", err)
		}
		text, pages, err := testworld.PDFText(buf.Bytes())
		if err != nil || pages < 1 {
			t.Fatalf("reading back: %d pages, %v", pages, err)
		}
		plain := utf8.ValidString(subject) && !strings.ContainsFunc(subject, func(r rune) bool {
			return r > 0xFFFF || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError
		})
		if plain && !strings.Contains(squash(text), squash(subject)) {
			t.Errorf("subject %q not in the PDF's text:\n%s", subject, text)
		}
	})
}

// squash drops white space, where the PDF breaks lines.
func squash(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), "")
}
