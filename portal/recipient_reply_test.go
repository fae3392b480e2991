package portal

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/delivery"
)

// postReply sends the reply form as a browser does: multipart, with files.
func (b *browser) postReply(path, text string, files map[string]string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	_ = mw.WriteField("text", text)
	for name, content := range files {
		w, _ := mw.CreateFormFile("files", name)
		_, _ = io.WriteString(w, content)
	}
	if len(files) == 0 {
		_, _ = mw.CreateFormFile("files", "") // an empty file field
	}
	_ = mw.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.re.srv.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestReply(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	b := re.browser(t)
	b.verifyBySMS(rc)
	mustContain(t, "reply form", b.get(link+"/reply"), http.StatusOK, `enctype="multipart/form-data"`, `<label for="text">`, `<label for="files">`)
	p := b.postReply(link+"/reply", "  ", nil)
	mustContain(t, "empty reply", p, http.StatusUnprocessableEntity, "Write a reply or attach a file.", `<a href="#text">`)
	p = b.postReply(link+"/reply", "Dank u, dokter.\nGroet, J.", map[string]string{"../scan van mij.txt": "geheime inhoud"})
	if p.location != link+"/read?replied=1" {
		t.Fatalf("reply: %d to %q\n%s", p.status, p.location, mainOf(p.body))
	}
	mustContain(t, "after the reply", b.get(p.location), http.StatusOK, "Your reply was sent securely. Dr. Anna Arts has been told.")
	ctx := context.Background()
	replies, err := re.w.Store.Replies(ctx, rc.OrgID, rc.MessageID)
	if err != nil || len(replies) != 1 {
		t.Fatalf("replies %v %v", replies, err)
	}
	atts, err := re.w.Store.ReplyAttachments(ctx, rc.OrgID, replies[0].ID)
	if err != nil || len(atts) != 1 {
		t.Fatalf("reply files %v %v", atts, err)
	}
	name, err := re.w.Vault.OpenField(atts[0].Filename, delivery.ReplyFilenameBinding(replies[0].UID, 0))
	if err != nil || string(name) != "scan van mij.txt" || bytes.Contains(atts[0].Filename, []byte("scan")) {
		t.Errorf("file name %q (%v), stored %q", name, err, atts[0].Filename)
	}
	text := readAll(t, re, replies[0].TextBlob)
	file := readAll(t, re, atts[0].BlobID)
	if text != "Dank u, dokter.\nGroet, J." || file != "geheime inhoud" {
		t.Errorf("reply text %q, file %q", text, file)
	}
	if got, _ := re.w.Store.Recipient(ctx, rc.OrgID, rc.ID); got.Status != db.StatusReplied {
		t.Errorf("status %s, want replied", got.Status)
	}
	if ev := re.w.Jobs.SenderEvents(); len(ev) != 1 || ev[0] != delivery.EventReply {
		t.Errorf("sender events %v", ev)
	}
	if used, _ := re.w.Store.BlobReferenced(ctx, atts[0].BlobID); !used {
		t.Error("the sweeper would delete a reply's file")
	}
}

func readAll(t *testing.T, re *recipientEnv, blob string) string {
	t.Helper()
	r, err := re.w.Vault.Open(context.Background(), blob)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOversizedBodyRefusedUnread(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	link := re.w.Path(rc)
	for _, c := range []struct {
		path string
		size int64
	}{{link + "/reply", maxReplyBody + 1}, {link + "/check", maxFormBody + 1}} {
		req, _ := http.NewRequest(http.MethodPost, re.srv.URL+c.path, strings.NewReader("x"))
		req.ContentLength = c.size
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			continue // the server may close before reading what was declared
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with %d bytes: %d", c.path, c.size, res.StatusCode)
		}
	}
}
