package delivery

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// The proof of delivery as a PDF, drawn by fpdf alone (no external
// renderer). The text is Unicode in the Go fonts, embedded (only the
// glyphs used): a proof names people, subjects and file names in any
// Latin, Greek or Cyrillic script — Şahin, Łódź, Ελένη, Мария — and a
// legal record must not turn them into question marks, as fpdf's core
// fonts (Windows-1252 only) would. A character the fonts lack (Arabic,
// Hebrew, CJK) shows as an empty box; the page and the JSON carry it.

// The PDF's font families.
const (
	pdfSans = "sans"
	pdfMono = "mono"
)

// ProofLabels are the PDF's words in the reader's language.
type ProofLabels struct {
	T     func(key string) string // translates a key of the proof catalogue
	Bytes func(n int64) string    // a size: "1234 bytes"
	When  func(t time.Time) string
}

// WriteProofPDF writes p as an A4 PDF.
func WriteProofPDF(w io.Writer, p Proof, l ProofLabels) error {
	p = drawable(p)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(pdfSans, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfSans, "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes(pdfMono, "", gomono.TTF)
	pdf.SetTitle(l.T("proof.title")+" "+p.UID, true)
	pdf.SetCreator("Sluis", true)
	pdf.SetCreationDate(p.Generated)
	pdf.SetModificationDate(p.Generated)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	// fpdf replaces its page-count alias wherever it appears on a page, in
	// the subject too ("{nb}" would print as "1"): the alias is random, so
	// no text a sender wrote can contain it.
	pages := "{" + rand.Text() + "}"
	pdf.AliasNbPages(pages)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont(pdfSans, "", 8)
		pdf.CellFormat(0, 5, p.UID+" · "+l.T("proof.page")+" "+strconv.Itoa(pdf.PageNo())+"/"+pages, "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont(pdfSans, "B", 16)
	pdf.MultiCell(0, 8, l.T("proof.title"), "", "L", false)
	pdf.Ln(2)
	for _, row := range proofFacts(p, l) {
		pdf.SetFont(pdfSans, "B", 9)
		pdf.CellFormat(38, 5, row[0], "", 0, "L", false, 0, "")
		font := pdfSans
		if row[0] == l.T("proof.sha256") {
			font = pdfMono
		}
		pdf.SetFont(font, "", 9)
		pdf.MultiCell(0, 5, row[1], "", "L", false)
	}
	for _, r := range p.Recipients {
		proofRecipientPDF(pdf, r, l)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("drawing the proof: %w", err)
	}
	return pdf.Output(w)
}

// drawable is p with its texts in what the PDF's fonts can encode: fpdf
// refuses the whole document for one character beyond the Basic
// Multilingual Plane (an emoji in a subject), so such a character, a
// control character or a broken byte becomes U+FFFD. The page and the
// JSON keep the text as it was.
func drawable(p Proof) Proof {
	p.UID, p.Subject, p.Sender, p.Org, p.SHA256 = pdfText(p.UID), pdfText(p.Subject), pdfText(p.Sender), pdfText(p.Org), pdfText(p.SHA256)
	rs := make([]ProofRecipient, len(p.Recipients))
	for i, r := range p.Recipients {
		r.Address = pdfText(r.Address)
		r.Events = slices.Clone(r.Events)
		for j := range r.Events {
			r.Events[j].Detail = pdfText(r.Events[j].Detail)
		}
		rs[i] = r
	}
	p.Recipients = rs
	return p
}

// pdfText replaces what the PDF cannot draw with U+FFFD, and line breaks
// and tabs with spaces.
func pdfText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r > 0xFFFF || unicode.IsControl(r):
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

// proofFacts are the message's lines at the top.
func proofFacts(p Proof, l ProofLabels) [][2]string {
	sha := p.SHA256
	if sha == "" {
		sha = l.T("proof.sha256_none")
	}
	return [][2]string{
		{l.T("proof.subject"), p.Subject},
		{l.T("proof.sender"), p.Sender},
		{l.T("proof.org"), p.Org},
		{l.T("proof.received"), l.When(p.Received)},
		{l.T("proof.size"), l.Bytes(p.Size)},
		{l.T("proof.sha256"), sha},
		{l.T("proof.message_id"), p.UID},
		{l.T("proof.generated"), l.When(p.Generated)},
	}
}

// proofRecipientPDF draws one recipient's heading and events.
func proofRecipientPDF(pdf *fpdf.Fpdf, r ProofRecipient, l ProofLabels) {
	pdf.Ln(4)
	pdf.SetFont(pdfSans, "B", 11)
	pdf.MultiCell(0, 6, r.Address+" ("+l.T("proof.field."+r.Field)+", "+l.T("proof.method."+r.Method)+")", "B", "L", false)
	pdf.Ln(1)
	for _, e := range r.Events {
		pdf.SetFont(pdfSans, "", 9)
		pdf.CellFormat(48, 5, l.When(e.At), "", 0, "L", false, 0, "")
		pdf.SetFont(pdfSans, "B", 9)
		pdf.CellFormat(42, 5, l.T("proof.event."+e.Kind), "", 0, "L", false, 0, "")
		pdf.SetFont(pdfSans, "", 9)
		pdf.MultiCell(0, 5, eventDetail(e, l), "", "L", false)
	}
}

// eventDetail is an event's detail for people: a method or a receipt
// state translated, anything else as recorded.
func eventDetail(e ProofEvent, l ProofLabels) string {
	switch e.Kind {
	case EventVerified:
		return l.T("proof.method." + e.Detail)
	case EventReceipt:
		return l.T("proof.receipt." + e.Detail)
	}
	return e.Detail
}

// EventDetail is eventDetail for the web page.
func EventDetail(e ProofEvent, t func(string) string) string {
	return eventDetail(e, ProofLabels{T: t})
}
