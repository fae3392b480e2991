package receipts

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
)

func testMDN(automatic bool) MDN {
	return MDN{From: gomail.Address{Name: "Sluis", Address: "sluis@zkh.example"}, To: "arts@zkh.example",
		Subject: "Gelezen: uitslag röntgen", Text: "Uw bericht is gelezen door patient@example.com.\nGroet.",
		ReportingUA: "sluis.zkh.example; Sluis", Recipient: "patient@example.com",
		OriginalMessageID: "abc.123@mail.zkh.example", Automatic: automatic, Date: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

// TestMDNParsesWithGoMessage reads a notification back with go-message.
func TestMDNParsesWithGoMessage(t *testing.T) {
	for _, automatic := range []bool{false, true} {
		raw, err := Build(testMDN(automatic))
		if err != nil {
			t.Fatal(err)
		}
		e, err := message.Read(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ct, params, err := e.Header.ContentType()
		if err != nil || ct != "multipart/report" || params["report-type"] != "disposition-notification" {
			t.Fatalf("content type %q %v %v", ct, params, err)
		}
		mr := e.MultipartReader()
		var types []string
		var report string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			pt, _, _ := p.Header.ContentType()
			types = append(types, pt)
			b, err := io.ReadAll(p.Body)
			if err != nil {
				t.Fatal(err)
			}
			switch pt {
			case "text/plain":
				if !strings.Contains(string(b), "gelezen door patient@example.com") {
					t.Errorf("human part: %q", b)
				}
			case "message/disposition-notification":
				report = string(b)
			}
		}
		if strings.Join(types, ",") != "text/plain,message/disposition-notification" {
			t.Fatalf("parts %v", types)
		}
		fields := readFields(t, report)
		want := map[string]string{
			"Reporting-Ua": "sluis.zkh.example; Sluis", "Original-Recipient": "rfc822;patient@example.com",
			"Final-Recipient": "rfc822;patient@example.com", "Original-Message-Id": "<abc.123@mail.zkh.example>",
			"Disposition": "manual-action/MDN-sent-manually; displayed",
		}
		if automatic {
			want["Disposition"] = "automatic-action/MDN-sent-automatically; displayed"
		}
		for k, v := range want {
			if got := fields.Get(k); got != v {
				t.Errorf("automatic=%v: %s = %q, want %q", automatic, k, got, v)
			}
		}
		h := gomail.Header{Header: e.Header}
		if subject, _ := h.Subject(); subject != "Gelezen: uitslag röntgen" {
			t.Errorf("subject %q", subject)
		}
		if ids, _ := h.MsgIDList("In-Reply-To"); len(ids) != 1 || ids[0] != "abc.123@mail.zkh.example" {
			t.Errorf("In-Reply-To %v", ids)
		}
		if got := e.Header.Get("Auto-Submitted"); (got == "auto-replied") != automatic {
			t.Errorf("automatic=%v: Auto-Submitted %q", automatic, got)
		}
	}
}

// TestMDNParsesWithNetMail reads it back with the standard library only.
func TestMDNParsesWithNetMail(t *testing.T) {
	raw, err := Build(testMDN(false))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if to, err := m.Header.AddressList("To"); err != nil || to[0].Address != "arts@zkh.example" {
		t.Errorf("To: %v %v", to, err)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@zkh.example>") {
		t.Errorf("Message-ID %q", id)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "disposition-notification" {
		t.Fatalf("%q %v %v", mt, params, err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	if _, err := r.NextPart(); err != nil { // the human-readable part
		t.Fatal(err)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "message/disposition-notification" {
		t.Fatalf("second part %q", ct)
	}
	b, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	fields := readFields(t, string(b))
	if fields.Get("Original-Message-Id") != "<abc.123@mail.zkh.example>" || fields.Get("Final-Recipient") != "rfc822;patient@example.com" ||
		!strings.HasPrefix(fields.Get("Disposition"), "manual-action/MDN-sent-manually") {
		t.Errorf("report fields %v", fields)
	}
	if _, err := r.NextPart(); err != io.EOF {
		t.Errorf("a third part: %v", err)
	}
}

func TestMDNRefusesHeaderBreaks(t *testing.T) {
	m := testMDN(false)
	m.Recipient = "a@b.example\r\nBcc: x@y.example"
	if _, err := Build(m); err == nil {
		t.Error("a line break in the recipient was written")
	}
	m = testMDN(false)
	m.Subject = "one\r\nBcc: x@y.example"
	raw, err := Build(m)
	if err != nil || bytes.Contains(raw, []byte("\r\nBcc:")) {
		t.Errorf("a subject broke the header: %v", err)
	}
}

// readFields parses the report's fields, a header block.
func readFields(t *testing.T, s string) textproto.MIMEHeader {
	t.Helper()
	h, err := textproto.NewReader(bufio.NewReader(strings.NewReader(s + "\r\n"))).ReadMIMEHeader()
	if err != nil && err != io.EOF {
		t.Fatalf("report fields: %v in %q", err, s)
	}
	return h
}
