package portal

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
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
	if bytes.Contains(atts[0].Filename, []byte("scan")) {
		t.Errorf("file name stored in clear: %q", atts[0].Filename)
	}
	read, err := re.w.Delivery.ReadReply(ctx, re.w.Sender, replies[0].UID)
	if err != nil || read.Text != "Dank u, dokter.\nGroet, J." || len(read.Files) != 1 || read.Files[0].Name != "scan van mij.txt" {
		t.Errorf("the sender reads %+v (%v)", read, err)
	}
	f, err := re.w.Delivery.OpenReplyFile(ctx, re.w.Sender, replies[0].UID, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	if content, err := io.ReadAll(f.Body); err != nil || string(content) != "geheime inhoud" {
		t.Errorf("reply file %q (%v)", content, err)
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
