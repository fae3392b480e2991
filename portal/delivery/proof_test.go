package delivery_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/delivery"
)

// kinds lists a proof recipient's event kinds in order.
func kinds(r delivery.ProofRecipient) []string {
	var out []string
	for _, e := range r.Events {
		out = append(out, e.Kind)
	}
	return out
}

// proofWalk has the patient go through everything a recipient can do.
func proofWalk(t *testing.T, r *reading) (db.Message, []db.Recipient) {
	t.Helper()
	ctx := context.Background()
	m, rs := r.send(t, false)
	patient := rs[0]
	step := func() { r.Clock.Advance(time.Minute) }
	step()
	err := r.Store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.MarkNotified(ctx, patient.OrgID, patient.ID, r.Clock.Now()); err != nil {
			return err
		}
		return tx.RecordRelayReply(ctx, patient.OrgID, patient.ID, "250 2.0.0 Ok: queued as 4XyZ")
	})
	if err != nil {
		t.Fatal(err)
	}
	step()
	if err := r.Store.MarkVerified(ctx, patient.OrgID, patient.ID, r.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := r.read(patient); err != nil {
		t.Fatal(err)
	}
	step()
	f, err := r.Delivery.DownloadAttachment(ctx, patient.OrgID, patient.ID, 1, delivery.Visit{IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Body.Close()
	step()
	r.copyOf(t, patient)
	step()
	if _, err := r.Delivery.PrintView(ctx, delivery.ReadRequest{OrgID: patient.OrgID, RecipientID: patient.ID}); err != nil {
		t.Fatal(err)
	}
	step()
	rc, err := r.Store.Recipient(ctx, patient.OrgID, patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Delivery.Reply(ctx, delivery.ReplyInput{Recipient: rc, Text: "Dank u."}); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := r.Store.RevokeRecipients(ctx, m.OrgID, m.ID, 0, r.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return m, rs
}

func TestProofListsEveryEvent(t *testing.T) {
	r := newReading(t)
	m, rs := proofWalk(t, r)
	ctx := context.Background()
	p, err := r.Delivery.ProofOf(ctx, r.Sender, m.UID, delivery.KindProofView, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256([]byte(letter(false)))); p.SHA256 != want {
		t.Errorf("sha256 %q, want %q", p.SHA256, want)
	}
	if p.Subject != "Uitslag onderzoek" || len(p.Recipients) != 3 {
		t.Fatalf("proof %+v", p)
	}
	want := []string{"accepted", "notified", "verified", "opened", "viewed", "downloaded", "copied", "printed", "replied", "revoked"}
	if got := kinds(p.Recipients[0]); !slices.Equal(got, want) {
		t.Errorf("the patient's events %v, want %v", got, want)
	}
	if got := kinds(p.Recipients[1]); !slices.Equal(got, []string{"accepted", "revoked"}) {
		t.Errorf("the colleague's events %v", got)
	}
	for _, e := range p.Recipients[0].Events {
		switch {
		case e.Kind == "notified" && e.Detail != "250 2.0.0 Ok: queued as 4XyZ",
			e.Kind == "verified" && e.Detail != "sms",
			e.Kind == "downloaded" && e.Detail != "uitslag röntgen.pdf":
			t.Errorf("%s detail %q", e.Kind, e.Detail)
		}
	}
	audit, err := r.Store.AuditEvents(ctx, r.Org.ID, db.AuditQuery{Kind: delivery.KindProofView})
	if err != nil || len(audit) != 1 || audit[0].ActorID != r.Sender.ID || audit[0].Target != "message:"+m.UID {
		t.Errorf("the proof's own event: %+v (%v)", audit, err)
	}
	for _, kind := range []string{delivery.KindView, delivery.KindDownload, delivery.KindCopy, delivery.KindPrint} {
		if ev, err := r.Store.AuditEvents(ctx, r.Org.ID, db.AuditQuery{Kind: kind}); err != nil || len(ev) != 1 {
			t.Errorf("%s events: %d (%v)", kind, len(ev), err)
		}
	}
	_ = rs
}

func TestProofOutlivesTheContent(t *testing.T) {
	r := newReading(t)
	m, _ := proofWalk(t, r)
	ctx := context.Background()
	// Purge as expiry does: bodies and files gone, the rows of the status kept.
	if _, err := r.Store.DB().Exec(`UPDATE messages SET state = 'expired', text_blob = '', html_blob = '' WHERE id = ?`, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Store.DB().Exec(`DELETE FROM attachments WHERE message_id = ?`, m.ID); err != nil {
		t.Fatal(err)
	}
	p, err := r.Delivery.ProofOf(ctx, r.Sender, m.UID, delivery.KindProofJSON, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.SHA256 == "" || len(p.Recipients[0].Events) != 10 {
		t.Fatalf("after the purge: %q, %v", p.SHA256, kinds(p.Recipients[0]))
	}
	if d := p.Recipients[0].Events[5]; d.Kind != "downloaded" || d.Detail != "file 1" {
		t.Errorf("a purged file's download: %+v", d)
	}
}

func TestProofOnlyForItsSender(t *testing.T) {
	r := newReading(t)
	m, _ := r.send(t, false)
	other, err := r.Store.CreateUser(context.Background(), db.NewUser{OrgID: r.Org.ID, Email: "ander@zkh.example", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Delivery.ProofOf(context.Background(), other, m.UID, delivery.KindProofView, ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another sender's proof: %v", err)
	}
}

func TestProofPDF(t *testing.T) {
	r := newReading(t)
	m, _ := proofWalk(t, r)
	p, err := r.Delivery.ProofOf(context.Background(), r.Sender, m.UID, delivery.KindProofPDF, "")
	if err != nil {
		t.Fatal(err)
	}
	p.Org = "Clinique Sainte-Thérèse" // accents in a name
	// Names outside Windows-1252, as a Dutch or French hospital meets them.
	p.Subject = "Uitslag Şahin Yılmaz, Łódź — Ελένη, Мария"
	var buf bytes.Buffer
	fr := map[string]string{"proof.title": "Preuve de remise", "proof.event.downloaded": "Pièce jointe téléchargée"}
	labels := delivery.ProofLabels{T: func(k string) string {
		if v, ok := fr[k]; ok {
			return v
		}
		return k
	}, When: func(t time.Time) string { return t.UTC().Format(time.RFC3339) }, Bytes: func(n int64) string { return fmt.Sprint(n, " octets") }}
	if err := delivery.WriteProofPDF(&buf, p, labels); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:8])
	}
	text, pages, err := testworld.PDFText(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if pages != 1 {
		t.Errorf("%d pages", pages)
	}
	for _, want := range []string{"Preuve de remise", "Clinique Sainte-Thérèse", p.Subject, "Pièce jointe téléchargée",
		"patient@example.com", p.SHA256, "uitslag röntgen.pdf", p.UID + " · proof.page 1/1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q in:\n%s", want, text)
		}
	}
}
