package mime

import (
	"strings"
	"testing"
	"time"
)

func ptr(s string) *string { return &s }

// corpus maps every file in testdata/mime to what Parse must make of it.
var corpus = map[string]corpusCase{
	"plain-ascii.eml": {subject: "Meeting on Tuesday", from: "jan@sender.example", to: 1,
		textIs: ptr("Hello Piet,\n\nShall we meet on Tuesday at 10:00?\n\nRegards,\nJan\n"), htmlIs: ptr(""),
		check: func(t *testing.T, m *Message) {
			want := time.Date(2024, 5, 14, 7, 30, 0, 0, time.UTC)
			if !m.Date.Equal(want) || m.MessageID != "20240514093000.1234@sender.example" || m.From.Name != "Jan Jansen" {
				t.Errorf("Date %v, MessageID %q, From %+v", m.Date, m.MessageID, m.From)
			}
		}},
	"utf8-text.eml": {subject: "Groeten", from: "renee@sender.example", to: 1,
		text: []string{"Grüße aus Köln", "日本語のテキスト", "🙂"},
		check: func(t *testing.T, m *Message) {
			if m.From.Name != "Renée" {
				t.Errorf("From.Name = %q", m.From.Name)
			}
		}},
	"latin1-qp.eml": {subject: "Latin-1", to: 1,
		textIs: ptr("Un café crème, s'il vous plaît, à la crêperie de Naïma. Une ligne coupée en deux.\n")},
	"windows1252-qp.eml": {subject: "Invoice", to: 1, textIs: ptr("Total: € 1.250,00 – due “today”.\n")},
	"base64-text.eml":    {subject: "Base64 text", to: 1, textIs: ptr("Dit is een bericht in base64: één, twee, drie.\n")},
	"alternative.eml": {subject: "Alternative", from: "mia@sender.example", to: 1,
		textIs: ptr("Hello Bas, the plain version.\n"), html: []string{"the <b>HTML</b> version"}, noText: []string{"<b>"}},
	"html-only.eml": {subject: "HTML only", to: 1, textIs: ptr(""), html: []string{`<meta charset="utf-8">`, "<p>Café open.</p>"}},
	"mixed-pdf.eml": {subject: "Contract", to: 1, text: []string{"contract attached"},
		atts: []wantAtt{pdf("contract.pdf")}},
	"nested-related.eml": {subject: "Logo proposal", to: 1, textIs: ptr("See the logo below.\n"),
		html: []string{`<img src="cid:logo@sender.example">`},
		atts: []wantAtt{png("attachment.png", "logo@sender.example", true), pdf("brief.pdf")}},
	"subject-b-utf8.eml": {subject: "Übersicht für die Woche ☕", to: 1, text: []string{"Body."},
		check: func(t *testing.T, m *Message) {
			if m.From.Name != "Jörg Müller" {
				t.Errorf("From.Name = %q", m.From.Name)
			}
		}},
	"subject-q-latin1.eml": {subject: "Réunion déplacée à jeudi", to: 1, textIs: ptr("La réunion est déplacée.\n"),
		check: func(t *testing.T, m *Message) {
			if m.From.Name != "André Dupré" {
				t.Errorf("From.Name = %q", m.From.Name)
			}
		}},
	"rfc2231-filename.eml": {subject: "Overzicht", to: 1, text: []string{"Two files."},
		atts: []wantAtt{pdf("Übersicht 2024 €.pdf"),
			{name: "Notities bij de vergadering van maandag één.txt", ctype: "text/plain", size: 6, head: "Notes."}}},
	"rfc822-attached.eml": {subject: "Fwd: Original question", to: 1, textIs: ptr("Forwarding the original.\n"),
		noText: []string{"What about the offer?"},
		atts: []wantAtt{
			{name: "message.eml", ctype: "message/rfc822", size: 214, head: "From: Old Sender"},
			{name: "question.eml", ctype: "message/rfc822", size: 214, head: "From: Old Sender"}}},
	"outlook.eml": {subject: "RE: Offerte", from: "K.deVries@corp.example", to: 1,
		textIs: ptr("Hoi Tom,\n\nAkkoord met de offerte.\n\nMet vriendelijke groet,\nKarin\n"),
		html:   []string{`<p class="MsoNormal">Akkoord met de offerte.<o:p></o:p></p>`, `xmlns:o="urn:schemas-microsoft-com:office:office"`},
		check: func(t *testing.T, m *Message) {
			if m.From.Name != "de Vries, Karin" || m.InReplyTo != "CAF1234@mail.recipient.example" ||
				m.MessageID != "AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.com" {
				t.Errorf("From %+v, InReplyTo %q, MessageID %q", m.From, m.InReplyTo, m.MessageID)
			}
		}},
	"apple-mail.eml": {subject: "Photo from the trip", to: 1, text: []string{"Here it is:", "Lovely, wasn't it?"},
		htmlIs: ptr("<html><head></head><body>Here it is:<br><br></body></html>\n<html><head></head><body><br>Lovely, wasn't it?</body></html>"),
		atts:   []wantAtt{png("photo.png", "A1B2C3D4-PHOTO", true)}},
	"thunderbird.eml": {subject: "Expenses", to: 1, text: []string{"long enough that \nThunderbird wraps"},
		atts: []wantAtt{{name: "expenses.csv", ctype: "text/csv", size: 33, head: "name;amount\n"}}},
	"no-content-type.eml": {subject: "cron output", to: 1, textIs: ptr("/etc/cron.daily/backup: done, 42 files.\n")},
	"missing-final-boundary.eml": {subject: "Truncated", to: 1, textIs: ptr("Text before the attachment.\n"),
		atts:    []wantAtt{{name: "notes.txt", ctype: "text/plain", size: 18, head: "line one\r\nline"}},
		defects: []string{"message: closing_boundary_missing"}},
	"subject-8bit.eml": {subject: "Überweisung für Zoë – 日本", to: 1, text: []string{"RFC 6532"},
		check: func(t *testing.T, m *Message) {
			if m.From.Name != "Zoë Ünal" || m.To[0].Name != "Ærø" {
				t.Errorf("From %+v To %+v", m.From, m.To)
			}
		}},
	"header-8bit-latin1.eml": {subject: "Café crème € 5", to: 1, text: []string{"Latin-1 bytes"}},
	"unknown-charset.eml": {subject: "Unknown charset", to: 1, textIs: ptr("plain ascii, then caf\uFFFD and valid é.\n"),
		defects: []string{"message: unknown_charset"}},
	"unknown-transfer-encoding.eml": {subject: "Unknown transfer encoding", to: 1, textIs: ptr("Gur dhvpx oebja sbk (kept as written).\n"),
		defects: []string{"message: unknown_transfer_encoding"}},
	"cb-text.eml": {subject: "Confidential report", to: 2, textIs: ptr("Dear Alice and Bob,\n\nThe report follows.\n"),
		rights: []string{"alice@example.com", "bob@example.org"}},
	"cb-html-only.eml": {subject: "Confidential (HTML)", to: 1, text: []string{"lost the comment"},
		htmlIs: ptr("<html><body><p>Dear Alice,</p><p>The HTML part has the block.</p></body></html>\n"),
		rights: []string{"alice@example.com"}},
	"cb-both.eml": {subject: "Confidential (both)", to: 2, textIs: ptr("Dear Alice and Carol,\n"),
		htmlIs: ptr("<div></div><div>Dear Alice and Carol,</div>\n"), noHTML: []string{"+3161234"},
		rights: []string{"alice@example.com", "carol@example.net"}, problems: []string{ReasonMalformed}},
	"disposition-notification.eml": {subject: "Please confirm receipt", to: 1, text: []string{"confirm"},
		check: func(t *testing.T, m *Message) {
			d := m.DispositionNotificationTo
			if len(d) != 1 || d[0] != (Address{Name: "Jan Jansen", Addr: "jan@sender.example"}) {
				t.Errorf("DispositionNotificationTo = %+v", d)
			}
		}},
	"many-recipients.eml": {subject: "To everyone", to: 30, cc: 5, text: []string{"Hello all."},
		check: func(t *testing.T, m *Message) {
			if m.To[29] != (Address{Name: "Person 30", Addr: "p30@recipient.example"}) ||
				m.Cc[0].Name != "Doe, John" || m.Cc[1].Name != "François" || m.Cc[4].Addr != "extra@third.example" {
				t.Errorf("To[29] %+v, Cc %+v", m.To[29], m.Cc)
			}
		}},
	"attachment-no-filename.eml": {subject: "Scan", to: 1, textIs: ptr("Scanned document.\n"),
		atts: []wantAtt{pdf("attachment.pdf"), png("attachment.png", "", false)}},
	"empty-body.eml":  {subject: "(empty)", to: 1, textIs: ptr(""), htmlIs: ptr("")},
	"header-only.eml": {subject: "Header only, no blank line", to: 1, textIs: ptr("")},
	"lf-only.eml": {subject: "LF only", to: 1, textIs: ptr("Line one.\nLine two.\n"),
		atts: []wantAtt{{name: "data.bin", ctype: "application/octet-stream", size: 10, head: "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"}}},
	"unpadded-base64.eml": {subject: "Sloppy base64", to: 1, text: []string{"Attached."}, atts: []wantAtt{pdf("sloppy.pdf")}},
	"inline-text-after-attachment.eml": {subject: "Text, attachment, text", to: 1,
		textIs: ptr("First part of the text.\n\nSignature after the attachment.\n"), atts: []wantAtt{pdf("doc.pdf")}},
	"calendar-invite.eml": {subject: "Invitation: Review", to: 1, textIs: ptr("You are invited to the review.\n"),
		html: []string{"<p>You are invited"}, atts: []wantAtt{{name: "attachment.ics", ctype: "text/calendar", size: 84, head: "BEGIN:VCALENDAR"}}},
	"hostile-filenames.eml": {subject: "Filenames", to: 1, text: []string{"Three files."}, atts: []wantAtt{
		{name: "evil.exe", ctype: "application/octet-stream", size: 2, head: "MZ"},
		{name: "Rapport été.pdf", ctype: "application/pdf", size: 4, head: "%PDF"},
		{name: "passwd", ctype: "application/octet-stream", size: 4, head: "root"}}},
	"alternative-duplicate-plain.eml": {subject: "Two plain alternatives", to: 1, textIs: ptr("Short version.\n"),
		atts: []wantAtt{{name: "attachment.txt", ctype: "text/plain", size: 27, head: "Long version"}}},

	"mixed-line-endings.eml": {subject: "Your order", to: 1,
		textIs: ptr("Thank you for your order.\nThe invoice is attached.\n"),
		atts:   []wantAtt{{name: "invoice.pdf", ctype: "application/pdf", size: 15, head: "%PDF-1.4\n%"}}},

	// Broken structure that mail readers show: accepted, with its defects.
	"same-boundary-nested.eml": {subject: "Verslag", from: "kees@sender.example", to: 1,
		textIs: ptr("Hier is het verslag van het café, zie de bijlage.\n"),
		htmlIs: ptr("<HTML><BODY>Hier is het verslag van het café, zie de bijlage.</BODY></HTML>\n"),
		atts:   []wantAtt{pdf("verslag.pdf")}, defects: []string{"part 1: boundary_reused"}},
	"nested-unclosed.eml": {subject: "Alternative never closed", to: 1, textIs: ptr("The plain text."),
		htmlIs: ptr("<p>The HTML text.</p>"), atts: []wantAtt{pdf("report.pdf")},
		defects: []string{"part 1: closing_boundary_missing"}},
	"boundary-never-appears.eml": {subject: "Boundary never used", to: 1,
		textIs:  ptr("--other\nContent-Type: text/plain\n\ntext\n--other--"),
		defects: []string{"message: boundary_not_found"}},
	"multipart-no-boundary.eml": {subject: "No boundary parameter", to: 1,
		textIs:  ptr("--whatever\nContent-Type: text/plain\n\ntext\n--whatever--\n"),
		defects: []string{"message: boundary_missing"}},
	"header-no-blank-line.eml": {subject: "No blank line after the header", from: "jan@sender.example", to: 1,
		textIs:  ptr("Dit is de tekst, direct na de kop.\nTweede regel: met een dubbele punt.\n"),
		defects: []string{"message: header_without_blank_line"}},
	"body-starts-folded.eml": {subject: "Spaces on the blank line", to: 1,
		textIs: ptr("    Ingesprongen eerste regel van de tekst.\nTweede regel: met een dubbele punt.\n")},
	"header-starts-folded.eml": {subject: "Header starts with a continuation", from: "jan@sender.example", to: 1,
		textIs: ptr("Body.\n"), defects: []string{"message: header_starts_folded"}},
	"mbox-from-line.eml": {subject: "Saved from an mbox", from: "jan@sender.example", to: 1,
		textIs: ptr("Body.\n"), defects: []string{"message: mbox_from_line"}},
	"consecutive-boundaries.eml": {subject: "Empty parts", to: 1, textIs: ptr("Text after two boundary lines."),
		atts:    []wantAtt{pdf("a.pdf")},
		defects: []string{"part 1: empty_part", "part 3: empty_part", "part 4: empty_part", "part 6: empty_part"}},
	"part-header-no-blank-line.eml": {subject: "Part header without blank line", to: 1, textIs: ptr("The scan is attached."),
		atts: []wantAtt{pdf("scan.pdf")}, defects: []string{"part 2: header_without_blank_line"}},
	"part-without-header.eml": {subject: "Part without header", to: 1,
		textIs: ptr("This part starts with its text: it has no header."), atts: []wantAtt{pdf("c.pdf")},
		defects: []string{"part 1: part_without_header"}},
	"qp-lenient.eml": {subject: "Sloppy quoted-printable", to: 1,
		textIs: ptr("Café au lait = 2 euro, so 1 + 1 = 2.\nPage\fbreak, then a line of 5000 characters without a soft break:\n" +
			strings.Repeat("x", 5000) + "\nA soft break, and a last line ending in ")},

	"refuse-header-too-big.eml":      {refuse: KeyHeaderTooBig, lim: func(l *Limits) { l.MaxHeaderBytes = 16 << 10 }},
	"refuse-part-header-too-big.eml": {refuse: KeyHeaderTooBig, lim: func(l *Limits) { l.MaxHeaderBytes = 16 << 10 }},
	"refuse-too-many-parts.eml":      {refuse: KeyTooManyParts},
	"refuse-too-deep.eml":            {refuse: KeyTooDeep},
	"refuse-garbage.eml":             {refuse: KeyNotMail},
	"refuse-body-too-big.eml":        {refuse: KeyBodyTooBig, lim: func(l *Limits) { l.MaxBodyBytes = 2 << 10 }},
	"refuse-no-header.eml":           {refuse: KeyNotMail},
	"refuse-not-mail.eml":            {refuse: KeyNotMail},
}
