package delivery_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/delivery"
	"sluis/portal/policy"
	"sluis/portal/receipts"
)

// The read use case, end to end over a real store and vault: messages
// are parsed and submitted as the SMTP intake does (testworld.World),
// read receipts follow the real rule (portal/receipts).

const (
	pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
	pdfBase64 = "JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg=="
)

// letter has an HTML body with a cid: logo and a tracker, the logo as an
// inline part, and a PDF; receipt adds a read-receipt request.
func letter(receipt bool) string {
	h := "From: \"Dr. Anna Arts\" <arts@zkh.example>\nTo: patient@example.com\nCc: collega@partner.example\n" +
		"Subject: Uitslag onderzoek\nMessage-ID: <uitslag.1@zkh.example>\nMIME-Version: 1.0\n"
	if receipt {
		h += "Disposition-Notification-To: arts@zkh.example\n"
	}
	return h + `Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/related; boundary="b2"

--b2
Content-Type: text/html; charset=utf-8

<p>Beste mevrouw Jansen,</p><p><img src="cid:logo@zkh" alt="Logo"></p><p><img src="https://tracker.example/p.gif"></p>
--b2
Content-Type: image/png
Content-ID: <logo@zkh>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

` + pngBase64 + `
--b2--
--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''uitslag%20r%C3%B6ntgen.pdf
Content-Transfer-Encoding: base64

` + pdfBase64 + `
--b1--
`
}

type reading struct {
	*testworld.World
	policy   *policy.Service
	receipts *receipts.Service
}

func newReading(t *testing.T) *reading {
	t.Helper()
	w := testworld.New(t, nil, "")
	quiet := slog.New(slog.DiscardHandler)
	r := &reading{World: w, policy: policy.New(w.Store)}
	r.receipts = receipts.New(receipts.Options{Store: w.Store, Policy: r.policy, Jobs: w.Jobs, Mailer: &testworld.Mails{},
		Vault: w.Vault, Text: w.Text, MailFrom: "sluis@zkh.example", BaseURL: testworld.BaseURL, Now: w.Clock.Now, Logger: quiet})
	w.Delivery = delivery.New(delivery.Options{Store: w.Store, Vault: w.Vault, Keys: w.Keys, Jobs: w.Jobs, Text: w.Text,
		BaseURL: testworld.BaseURL, MailFrom: "sluis@zkh.example", Now: w.Clock.Now, Mailer: &testworld.Mails{},
		Receipts: r.receipts, Logger: quiet})
	t.Cleanup(w.Delivery.Close)
	for i, addr := range []string{"patient@example.com", "collega@partner.example", "stil@example.org"} {
		w.AddPhone(t, addr, "+3161234567"+strconv.Itoa(i))
	}
	return r
}

// send submits the letter to the patient (To), the colleague (Cc) and a
// blind copy, and returns the message and its recipients in that order.
func (r *reading) send(t *testing.T, receipt bool) (db.Message, []db.Recipient) {
	t.Helper()
	return r.Submit(t, letter(receipt), "patient@example.com", "collega@partner.example", "stil@example.org")
}

func inlineURL(n int) string { return "/m/tok/inline/" + strconv.Itoa(n) }

func (r *reading) read(rc db.Recipient) (delivery.MessageView, error) {
	return r.Delivery.Read(context.Background(), delivery.ReadRequest{OrgID: rc.OrgID, RecipientID: rc.ID, InlineURL: inlineURL})
}

func TestReadShowsTheLetterNotTheBcc(t *testing.T) {
	r := newReading(t)
	_, rs := r.send(t, false)
	for _, rc := range rs {
		v, err := r.read(rc)
		if err != nil {
			t.Fatalf("%s: %v", rc.Address, err)
		}
		if v.Subject != "Uitslag onderzoek" || v.SenderName != "Dr. Anna Arts" || v.SenderAddress != "arts@zkh.example" ||
			v.Org != "Ziekenhuis Oost" || !v.Date.Equal(r.Clock.Now()) {
			t.Errorf("%s: headers %q %q %q %q %v", rc.Address, v.Subject, v.SenderName, v.SenderAddress, v.Org, v.Date)
		}
		if !slices.Equal(v.To, []string{"patient@example.com"}) || !slices.Equal(v.Cc, []string{"collega@partner.example"}) {
			t.Errorf("%s: To %v, Cc %v; the blind copy must not show", rc.Address, v.To, v.Cc)
		}
	}
	v, err := r.read(rs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !v.Body.ShowsHTML() || v.Body.Blocked != 1 {
		t.Errorf("body %+v: want the HTML part, 1 image blocked", v.Body)
	}
	b, err := r.Delivery.ReadHTML(context.Background(), delivery.ReadRequest{OrgID: rs[0].OrgID, RecipientID: rs[0].ID, InlineURL: inlineURL})
	if err != nil {
		t.Fatal(err)
	}
	html := string(readClose(t, b.Body))
	if !strings.Contains(html, `<img src="/m/tok/inline/0" alt="Logo">`) || strings.Contains(html, "tracker") || b.Blocked != 1 {
		t.Errorf("body (%d blocked):\n%s", b.Blocked, html)
	}
	want := []delivery.Attachment{
		{Position: 0, Name: "logo.png", Size: int64(len(decode(t, pngBase64))), ContentType: "image/png", Inline: true},
		{Position: 1, Name: "uitslag röntgen.pdf", Size: int64(len(decode(t, pdfBase64))), ContentType: "application/pdf"},
	}
	if !slices.Equal(v.Attachments, want) {
		t.Errorf("attachments\n got  %+v\n want %+v", v.Attachments, want)
	}
}

func TestReadRecordsTheFirstOpeningOnce(t *testing.T) {
	r := newReading(t)
	_, rs := r.send(t, false)
	first := r.Clock.Now()
	if _, err := r.read(rs[0]); err != nil {
		t.Fatal(err)
	}
	r.Clock.Advance(time.Hour)
	if _, err := r.read(rs[0]); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := r.Store.RecipientProgress(ctx, rs[0].OrgID, rs[0].ID)
	if err != nil || !p.OpenedAt.Equal(first) {
		t.Errorf("opened at %v (%v), want the first view %v", p.OpenedAt, err, first)
	}
	if rc, _ := r.Store.Recipient(ctx, rs[0].OrgID, rs[0].ID); rc.Status != db.StatusOpened {
		t.Errorf("status %s, want opened", rc.Status)
	}
	if p, _ := r.Store.RecipientProgress(ctx, rs[1].OrgID, rs[1].ID); !p.OpenedAt.IsZero() {
		t.Error("another recipient's reading was recorded")
	}
}

func TestReadRefusesOtherOrganisations(t *testing.T) {
	r := newReading(t)
	_, rs := r.send(t, false)
	ctx := context.Background()
	other, err := r.Store.CreateOrg(ctx, db.NewOrg{Name: "Gemeente", Domains: []string{"gemeente.example"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]delivery.ReadRequest{
		"another organisation": {OrgID: other.ID, RecipientID: rs[0].ID},
		"no such recipient":    {OrgID: rs[0].OrgID, RecipientID: rs[2].ID + 100},
	} {
		if _, err := r.Delivery.Read(ctx, req); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("%s: Read %v, want not found", name, err)
		}
		if _, err := r.Delivery.OpenAttachment(ctx, req.OrgID, req.RecipientID, 1); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("%s: OpenAttachment %v, want not found", name, err)
		}
	}
	if p, _ := r.Store.RecipientProgress(ctx, rs[0].OrgID, rs[0].ID); !p.OpenedAt.IsZero() {
		t.Error("a refused read was recorded as an opening")
	}
}

func TestReadRefusesClosedMessages(t *testing.T) {
	r := newReading(t)
	m, rs := r.send(t, false)
	ctx := context.Background()
	if err := r.Delivery.Revoke(ctx, r.Sender, m.UID, rs[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.read(rs[0]); !errors.Is(err, delivery.ErrClosed) {
		t.Errorf("revoked recipient: %v, want ErrClosed", err)
	}
	if _, err := r.Delivery.OpenAttachment(ctx, rs[0].OrgID, rs[0].ID, 1); !errors.Is(err, delivery.ErrClosed) {
		t.Errorf("revoked recipient's file: %v, want ErrClosed", err)
	}
	if _, err := r.read(rs[1]); err != nil {
		t.Fatalf("the others still read: %v", err)
	}
	r.Clock.Advance(m.ExpiresAt.Sub(r.Clock.Now()))
	if _, err := r.read(rs[1]); !errors.Is(err, delivery.ErrClosed) {
		t.Errorf("expired: %v, want ErrClosed", err)
	}
	if p, _ := r.Store.RecipientProgress(ctx, rs[0].OrgID, rs[0].ID); !p.OpenedAt.IsZero() {
		t.Error("a refused read was recorded as an opening")
	}
	_, held := r.Submit(t, letter(false), "nobody@example.net") // no data: held
	if _, err := r.read(held[0]); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("held draft: %v, want not found", err)
	}
}

func TestFilesStreamDecrypted(t *testing.T) {
	r := newReading(t)
	_, rs := r.send(t, false)
	ctx := context.Background()
	f, err := r.Delivery.OpenAttachment(ctx, rs[0].OrgID, rs[0].ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := readClose(t, f.Body), decode(t, pdfBase64); !bytes.Equal(got, want) || f.Name != "uitslag röntgen.pdf" || f.Size != int64(len(want)) {
		t.Errorf("PDF %q named %q, size %d", got, f.Name, f.Size)
	}
	img, err := r.Delivery.OpenInlineImage(ctx, rs[0].OrgID, rs[0].ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := readClose(t, img.Body); !bytes.Equal(got, decode(t, pngBase64)) || img.ContentType != "image/png" {
		t.Errorf("logo %q as %s", got, img.ContentType)
	}
	if _, err := r.Delivery.OpenInlineImage(ctx, rs[0].OrgID, rs[0].ID, 1); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a PDF served as an inline image: %v", err)
	}
	if _, err := r.Delivery.OpenAttachment(ctx, rs[0].OrgID, rs[0].ID, 7); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("an unknown position: %v", err)
	}
}

// TestReadAsksTheReceiptRule: an external reader of a message that asks
// for a receipt, in a unit that allows them, is asked on every view until
// they answer.
func TestReadAsksTheReceiptRule(t *testing.T) {
	r := newReading(t)
	ctx := context.Background()
	if err := r.policy.Set(ctx, r.Org.ID, r.Org.RootUnit, policy.ReadReceipts, policy.ReceiptsAny, "test"); err != nil {
		t.Fatal(err)
	}
	m, rs := r.send(t, true)
	for range 2 {
		if v, err := r.read(rs[0]); err != nil || v.ReceiptTo != "arts@zkh.example" {
			t.Fatalf("asked to send a receipt to %q (%v)", v.ReceiptTo, err)
		}
	}
	if err := r.receipts.Answer(ctx, m, rs[0], false); err != nil {
		t.Fatal(err)
	}
	if v, err := r.read(rs[0]); err != nil || v.ReceiptTo != "" {
		t.Errorf("asked again after the answer: %q (%v)", v.ReceiptTo, err)
	}
	if v, err := r.read(rs[1]); err != nil || v.ReceiptTo != "arts@zkh.example" {
		t.Errorf("the colleague is not asked: %q (%v)", v.ReceiptTo, err)
	}
}

func TestSenderReadsOwnMessagesAndReplies(t *testing.T) {
	r := newReading(t)
	m, rs := r.send(t, false)
	ctx := context.Background()
	other, err := r.Store.CreateUser(ctx, db.NewUser{OrgID: r.Org.ID, Email: "ander@zkh.example", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	own, err := r.Delivery.SenderMessage(ctx, r.Sender, m.UID)
	if err != nil || own.Subject != "Uitslag onderzoek" || own.ID != m.ID {
		t.Errorf("own message %q %d (%v)", own.Subject, own.ID, err)
	}
	if list, err := r.Delivery.SenderMessages(ctx, r.Sender, db.SentQuery{Limit: 10}); err != nil || len(list) != 1 || list[0].Subject != "Uitslag onderzoek" {
		t.Errorf("own list %+v (%v)", list, err)
	}
	if _, err := r.Delivery.SenderMessage(ctx, other, m.UID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another user's message: %v", err)
	}
	reply, err := r.Delivery.Reply(ctx, delivery.ReplyInput{Recipient: rs[0], Text: "Dank u.",
		Files: []delivery.ReplyFile{{Name: "vraag.txt", ContentType: "text/plain", Body: strings.NewReader("een vraag")}}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Delivery.ReadReply(ctx, r.Sender, reply.UID)
	want := []delivery.Attachment{{Position: 0, Name: "vraag.txt", Size: 9, ContentType: "text/plain"}}
	if err != nil || v.Text != "Dank u." || v.From != "patient@example.com" || v.Subject != "Uitslag onderzoek" ||
		v.MessageUID != m.UID || !slices.Equal(v.Files, want) {
		t.Errorf("reply %+v (%v)", v, err)
	}
	f, err := r.Delivery.OpenReplyFile(ctx, r.Sender, reply.UID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := readClose(t, f.Body); string(got) != "een vraag" {
		t.Errorf("reply file %q", got)
	}
	if _, err := r.Delivery.ReadReply(ctx, other, reply.UID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another user reads the reply: %v", err)
	}
	if _, err := r.Delivery.OpenReplyFile(ctx, other, reply.UID, 0); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another user opens the reply's file: %v", err)
	}
}

func readClose(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
