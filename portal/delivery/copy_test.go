package delivery_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/delivery"
)

// leaf is one non-multipart part of a parsed message.
type leaf struct {
	contentType, disposition, filename, contentID string
	body                                          []byte
}

// readMessage parses raw with the standard library alone (net/mail and
// mime/multipart), a second MIME parser next to Sluis's own, and returns
// its header and leaves in order.
func readMessage(t *testing.T, raw []byte) (mail.Header, []leaf) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the copy: %v", err)
	}
	var leaves []leaf
	walkPart(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", "", m.Body, &leaves)
	return m.Header, leaves
}

func walkPart(t *testing.T, ct, cte, disp, cid string, body io.Reader, out *[]leaf) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("content type %q: %v", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			walkPart(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
				p.Header.Get("Content-Disposition"), p.Header.Get("Content-Id"), p, out)
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.EqualFold(cte, "base64") {
		if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
			t.Fatalf("base64 part: %v", err)
		}
	}
	l := leaf{contentType: mt, contentID: cid, body: b}
	if disp != "" {
		d, dp, err := mime.ParseMediaType(disp)
		if err != nil {
			t.Fatalf("disposition %q: %v", disp, err)
		}
		l.disposition, l.filename = d, dp["filename"]
	}
	*out = append(*out, l)
}

func (r *reading) copyOf(t *testing.T, rc db.Recipient) (*delivery.Copy, []byte) {
	t.Helper()
	cp, err := r.Delivery.OpenCopy(context.Background(), rc.OrgID, rc.ID, delivery.Visit{IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := cp.WriteTo(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return cp, buf.Bytes()
}

func TestOwnCopyIsAWholeMessage(t *testing.T) {
	r := newReading(t)
	_, rs := r.send(t, false)
	cp, raw := r.copyOf(t, rs[2]) // the blind copy: it must not see itself either
	if cp.Name != "Uitslag onderzoek.eml" {
		t.Errorf("file name %q", cp.Name)
	}
	h, leaves := readMessage(t, raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "Uitslag onderzoek" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "arts@zkh.example" || from[0].Name != "Dr. Anna Arts" {
		t.Errorf("From %v (%v)", from, err)
	}
	if to, cc := h.Get("To"), h.Get("Cc"); to != "<patient@example.com>" && to != "patient@example.com" || !strings.Contains(cc, "collega@partner.example") {
		t.Errorf("To %q, Cc %q", to, cc)
	}
	if strings.Contains(string(raw), "stil@example.org") {
		t.Error("the copy shows the Bcc recipient")
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if got := h.Get("Message-Id"); got != "<uitslag.1@zkh.example>" {
		t.Errorf("Message-ID %q", got)
	}
	if len(leaves) != 3 {
		t.Fatalf("%d leaves, want html, logo, pdf: %+v", len(leaves), leaves)
	}
	html, logo, pdf := leaves[0], leaves[1], leaves[2]
	if html.contentType != "text/html" || !strings.Contains(string(html.body), "Beste mevrouw Jansen") ||
		!strings.Contains(string(html.body), `src="cid:logo@zkh"`) || strings.Contains(string(html.body), "tracker.example") {
		t.Errorf("html part: %s %q", html.contentType, html.body)
	}
	if logo.contentID != "<logo@zkh>" || logo.disposition != "inline" || base64.StdEncoding.EncodeToString(logo.body) != pngBase64 {
		t.Errorf("logo part: %+v", logo)
	}
	if pdf.filename != "uitslag röntgen.pdf" || pdf.disposition != "attachment" || base64.StdEncoding.EncodeToString(pdf.body) != pdfBase64 {
		t.Errorf("pdf part: %q %q", pdf.filename, pdf.disposition)
	}
	events, err := r.Store.AuditEvents(context.Background(), r.Org.ID, db.AuditQuery{Kind: delivery.KindCopy})
	if err != nil || len(events) != 1 || events[0].After != delivery.RecipientRef(rs[2].ID) || events[0].IP != "192.0.2.7" {
		t.Errorf("audit: %+v (%v)", events, err)
	}
}

func TestOwnCopyOfPlainText(t *testing.T) {
	r := newReading(t)
	_, rs := r.Submit(t, "From: arts@zkh.example\nTo: patient@example.com\nSubject: Kort bericht\n\nGoedemorgen,\nde afspraak is verzet.\n", "patient@example.com")
	_, raw := r.copyOf(t, rs[0])
	_, leaves := readMessage(t, raw)
	if len(leaves) != 1 || leaves[0].contentType != "text/plain" || !strings.Contains(string(leaves[0].body), "de afspraak is verzet.") {
		t.Fatalf("leaves %+v", leaves)
	}
}

func TestOwnCopyRefusedWhenClosed(t *testing.T) {
	r := newReading(t)
	m, rs := r.send(t, false)
	if _, err := r.Store.RevokeRecipients(context.Background(), m.OrgID, m.ID, 0, r.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Delivery.OpenCopy(context.Background(), rs[0].OrgID, rs[0].ID, delivery.Visit{}); !errors.Is(err, delivery.ErrClosed) {
		t.Errorf("a withdrawn message's copy: %v", err)
	}
	if _, err := r.Delivery.OpenCopy(context.Background(), rs[0].OrgID+1, rs[0].ID, delivery.Visit{}); err == nil {
		t.Error("another organisation's recipient got a copy")
	}
}

// BenchmarkOwnCopy writes the own copy of a message with a 1 MiB and a
// 16 MiB attachment: the bytes allocated per copy stay about the same,
// because the file streams from the vault into its base64 part.
func BenchmarkOwnCopy(b *testing.B) {
	for _, size := range []int{1 << 20, 16 << 20} {
		b.Run(strconv.Itoa(size>>20)+"MiB", func(b *testing.B) {
			w := testworld.New(b, nil, "")
			w.AddPhone(b, "patient@example.com", "+31612345670")
			data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA5, 0x5A, 0x3C}, size/3))
			var body strings.Builder
			for len(data) > 76 {
				body.WriteString(data[:76] + "\n")
				data = data[76:]
			}
			body.WriteString(data + "\n")
			raw := "From: arts@zkh.example\nTo: patient@example.com\nSubject: Scan\nMIME-Version: 1.0\n" +
				"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nDe scan.\n--b\n" +
				"Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=scan.bin\n" +
				"Content-Transfer-Encoding: base64\n\n" + body.String() + "--b--\n"
			_, rs := w.Submit(b, raw, "patient@example.com")
			raw, data = "", ""
			body.Reset()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			runtime.GC()
			out := &heapWatch{base: heapInUse()}
			for b.Loop() {
				cp, err := w.Delivery.OpenCopy(context.Background(), rs[0].OrgID, rs[0].ID, delivery.Visit{})
				if err != nil {
					b.Fatal(err)
				}
				if err := cp.WriteTo(context.Background(), out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.peak)/(1<<20), "MiB-live-peak")
		})
	}
}

// heapWatch discards what is written and samples the live heap every
// MiB, keeping the highest figure above base: what a copy holds while
// it is written, garbage aside.
type heapWatch struct {
	base, peak uint64
	n          int
}

func (h *heapWatch) Write(p []byte) (int, error) {
	h.n += len(p)
	if h.n >= 1<<20 {
		h.n = 0
		if in := heapInUse(); in > h.base && in-h.base > h.peak {
			h.peak = in - h.base
		}
	}
	return len(p), nil
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
