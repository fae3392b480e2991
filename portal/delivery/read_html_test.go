package delivery_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/delivery"
	"sluis/portal/mailhtml"
)

func (r *reading) readHTML(t *testing.T, rc db.Recipient, remote bool) (string, int) {
	t.Helper()
	b, err := r.Delivery.ReadHTML(context.Background(), delivery.ReadRequest{OrgID: rc.OrgID, RecipientID: rc.ID,
		RemoteImages: remote, InlineURL: inlineURL})
	if err != nil {
		t.Fatal(err)
	}
	return string(readClose(t, b.Body)), b.Blocked
}

// TestReadHTMLSanitizesOnce: the first read keeps the sanitized body in
// an encrypted blob noted on the message; later reads of any recipient
// stream that blob, and it is referenced (the sweeper keeps it).
func TestReadHTMLSanitizesOnce(t *testing.T) {
	r := newReading(t)
	msg, rs := r.send(t, false)
	ctx := context.Background()
	if msg.SafeHTMLBlob != "" {
		t.Fatalf("sanitized at intake: %q", msg.SafeHTMLBlob)
	}
	first, blocked := r.readHTML(t, rs[0], false)
	kept, err := r.Store.Message(ctx, msg.OrgID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if kept.SafeHTMLBlob == "" || kept.SafeHTMLVersion != mailhtml.Version || kept.SafeHTMLBlocked != 1 {
		t.Fatalf("not kept: %q v%d, %d blocked", kept.SafeHTMLBlob, kept.SafeHTMLVersion, kept.SafeHTMLBlocked)
	}
	plain := readClose(t, mustOpen(t, r, kept.SafeHTMLBlob))
	if string(plain) != "1\n"+first {
		t.Errorf("kept blob %q, shown %q", plain, first)
	}
	if used, err := r.Store.BlobReferenced(ctx, kept.SafeHTMLBlob); err != nil || !used {
		t.Errorf("kept blob referenced: %v, %v", used, err)
	}
	again, blockedAgain := r.readHTML(t, rs[1], false)
	if again != first || blockedAgain != blocked || blocked != 1 {
		t.Errorf("second read differs: %q (%d) vs %q (%d)", again, blockedAgain, first, blocked)
	}
	if m, _ := r.Store.Message(ctx, msg.OrgID, msg.ID); m.SafeHTMLBlob != kept.SafeHTMLBlob {
		t.Errorf("sanitized again: %q then %q", kept.SafeHTMLBlob, m.SafeHTMLBlob)
	}
}

// TestReadHTMLRedoesAnOlderVersion: a body kept by an older sanitizer is
// never shown; it is made again and the new one noted.
func TestReadHTMLRedoesAnOlderVersion(t *testing.T) {
	r := newReading(t)
	msg, rs := r.send(t, false)
	ctx := context.Background()
	if ok, err := r.Store.SetSafeHTML(ctx, msg.OrgID, msg.ID, "no-such-blob", mailhtml.Version-1, 7); err != nil || !ok {
		t.Fatalf("setting an old version: %v %v", ok, err)
	}
	html, _ := r.readHTML(t, rs[0], false)
	if !strings.Contains(html, "Beste mevrouw Jansen") {
		t.Errorf("body %q", html)
	}
	m, err := r.Store.Message(ctx, msg.OrgID, msg.ID)
	if err != nil || m.SafeHTMLBlob == "no-such-blob" || m.SafeHTMLVersion != mailhtml.Version {
		t.Errorf("after the read: %q v%d, %v", m.SafeHTMLBlob, m.SafeHTMLVersion, err)
	}
	// A reader who made one of the same version meanwhile does not replace it.
	if ok, err := r.Store.SetSafeHTML(ctx, msg.OrgID, msg.ID, "late", mailhtml.Version, 1); err != nil || ok {
		t.Errorf("a second blob of the same version was recorded: %v %v", ok, err)
	}
}

// TestReadPageTakesTheCountFromTheMessage: once the sanitized body is
// kept, the reader's page takes the count of held-back images from the
// message's row and never opens the body's blob (only the frame does); a
// body kept before the count was recorded (-1) has it read from the blob.
func TestReadPageTakesTheCountFromTheMessage(t *testing.T) {
	r := newReading(t)
	msg, rs := r.send(t, false)
	ctx := context.Background()
	if _, blocked := r.readHTML(t, rs[0], false); blocked != 1 {
		t.Fatalf("%d blocked, want 1", blocked)
	}
	kept, err := r.Store.Message(ctx, msg.OrgID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Record a count the blob does not hold: the page shows the row's.
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := r.Store.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE messages SET safe_html_blocked = 4 WHERE id = ?`, msg.ID)
	if v, err := r.read(rs[1]); err != nil || v.Body.Blocked != 4 {
		t.Errorf("page: %d blocked (%v), want the row's 4", v.Body.Blocked, err)
	}
	if err := r.Vault.Delete(ctx, kept.SafeHTMLBlob); err != nil {
		t.Fatal(err)
	}
	if v, err := r.read(rs[1]); err != nil || v.Body.Blocked != 4 {
		t.Errorf("page without the blob: %d blocked (%v); it must not open it", v.Body.Blocked, err)
	}
	// A body kept before the count was recorded: read from the blob.
	r2 := newReading(t)
	msg2, rs2 := r2.send(t, false)
	r2.readHTML(t, rs2[0], false)
	if _, err := r2.Store.DB().ExecContext(ctx, `UPDATE messages SET safe_html_blocked = -1 WHERE id = ?`, msg2.ID); err != nil {
		t.Fatal(err)
	}
	if v, err := r2.read(rs2[1]); err != nil || v.Body.Blocked != 1 {
		t.Errorf("page of an older kept body: %d blocked (%v), want the blob's 1", v.Body.Blocked, err)
	}
}

// TestReadHTMLRemoteImagesAreNotKept: images the reader asked for load in
// that view only; the kept body still holds them back.
func TestReadHTMLRemoteImagesAreNotKept(t *testing.T) {
	r := newReading(t)
	msg, rs := r.send(t, false)
	shown, blocked := r.readHTML(t, rs[0], true)
	if blocked != 0 || !strings.Contains(shown, `src="https://tracker.example/p.gif"`) || !strings.Contains(shown, `referrerpolicy="no-referrer"`) {
		t.Errorf("shown (%d blocked): %s", blocked, shown)
	}
	if m, _ := r.Store.Message(context.Background(), msg.OrgID, msg.ID); m.SafeHTMLBlob != "" {
		t.Errorf("a body with remote images was kept")
	}
	if held, _ := r.readHTML(t, rs[0], false); strings.Contains(held, "tracker") {
		t.Errorf("held back: %s", held)
	}
}

const bothParts = `From: arts@zkh.example
To: patient@example.com
Subject: Beide
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Beste mevrouw, zie https://zkh.example/a.
--alt
Content-Type: text/html; charset=utf-8

<p style="color:#c00000">Beste <b>mevrouw</b></p>
--alt--
`

// TestReadShowsHTMLOrTextOnRequest: a message with both parts shows the
// HTML part; asked for the text, it shows the text; a text-only message
// shows its text whatever is asked.
func TestReadShowsHTMLOrTextOnRequest(t *testing.T) {
	r := newReading(t)
	_, rs := r.Submit(t, bothParts, "patient@example.com")
	req := delivery.ReadRequest{OrgID: rs[0].OrgID, RecipientID: rs[0].ID, InlineURL: inlineURL}
	v, err := r.Delivery.Read(context.Background(), req)
	if err != nil || !v.Body.ShowsHTML() || !v.Body.HasText || v.Body.Text != "" {
		t.Fatalf("HTML view: %+v, %v", v.Body, err)
	}
	req.Text = true
	v, err = r.Delivery.Read(context.Background(), req)
	if err != nil || v.Body.ShowsHTML() || !strings.Contains(string(v.Body.Text), `<a href="https://zkh.example/a"`) {
		t.Fatalf("text view: %+v, %v", v.Body, err)
	}
	html, _ := r.readHTML(t, rs[0], false)
	if !strings.Contains(html, `<p style="color: #c00000">Beste <b>mevrouw</b></p>`) {
		t.Errorf("html %q", html)
	}
	_, plain := r.Submit(t, "From: arts@zkh.example\nTo: patient@example.com\nSubject: t\n\nAlleen tekst\n", "patient@example.com")
	v, err = r.Delivery.Read(context.Background(), delivery.ReadRequest{OrgID: plain[0].OrgID, RecipientID: plain[0].ID})
	if err != nil || v.Body.ShowsHTML() || !strings.Contains(string(v.Body.Text), "Alleen tekst") {
		t.Fatalf("text-only: %+v, %v", v.Body, err)
	}
	_, err = r.Delivery.ReadHTML(context.Background(), delivery.ReadRequest{OrgID: plain[0].OrgID, RecipientID: plain[0].ID})
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("ReadHTML of a text-only message: %v", err)
	}
}

func mustOpen(t *testing.T, r *reading, id string) io.ReadCloser {
	t.Helper()
	rc, err := r.Vault.Open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// TestReadRefusesAnotherRecipientsRows: rows the caller loaded are used
// only when they are the named recipient's and its message's.
func TestReadRefusesAnotherRecipientsRows(t *testing.T) {
	r := newReading(t)
	msg, rs := r.send(t, false)
	other, _ := r.Submit(t, letter(false), "patient@example.com")
	for _, c := range []struct {
		rc  db.Recipient
		msg db.Message
	}{{rs[1], msg}, {rs[0], other}} {
		req := delivery.ReadRequest{OrgID: rs[0].OrgID, RecipientID: rs[0].ID, Recipient: &c.rc, Message: &c.msg}
		if _, err := r.Delivery.Read(context.Background(), req); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Read with rows of recipient %d, message %d: %v", c.rc.ID, c.msg.ID, err)
		}
		if _, err := r.Delivery.ReadHTML(context.Background(), req); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("ReadHTML with rows of recipient %d, message %d: %v", c.rc.ID, c.msg.ID, err)
		}
	}
	rc, m := rs[0], msg
	if _, err := r.Delivery.Read(context.Background(), delivery.ReadRequest{OrgID: rc.OrgID, RecipientID: rc.ID, Recipient: &rc, Message: &m}); err != nil {
		t.Errorf("Read with the recipient's own rows: %v", err)
	}
}
