package portal

import (
	"net/http"
	"strings"
	"testing"
)

// TestDraftListsBadControlLinesInOrder: the draft page lists every
// unusable control-block line with its reason, in the order written,
// masked as in the "not sent" mail.
func TestDraftListsBadControlLinesInOrder(t *testing.T) {
	se := newSenderEnv(t)
	raw := "From: arts@zkh.example\nTo: a@example.com, b@example.com\nSubject: Verwijzing\nMIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=utf-8\n\n<!--zivver_headers\n" +
		"zivver-access-right: a@example.com sms +31201234567\n" + // line 1: a landline
		"zivver-access-right: b@example.com fax 0612345678\n" + // line 2: not sms, listed first by the parser
		"zivver-access-right: c@example.com sms +31612345670\n" + // line 3: not a recipient
		"zivver_headers-->\nBeste,\n"
	m, _ := se.w.Submit(t, raw, "a@example.com", "b@example.com")
	b := se.browser(t)
	b.signIn("arts@zkh.example", senderPassword, "/messages")
	p := b.get("/drafts/" + m.UID + "?lang=en")
	mustContain(t, "draft", p, http.StatusOK, `id="control-lines"`, "Line 1:", "Line 2:", "Line 3:", "This is not a mobile number.", "only sms is supported", "not a recipient")
	mustLack(t, "draft", p, "+31201234567", "reason.")
	i2, i3, i4 := strings.Index(p.body, "Line 1:"), strings.Index(p.body, "Line 2:"), strings.Index(p.body, "Line 3:")
	if !(i2 < i3 && i3 < i4) {
		t.Errorf("lines out of order: %d %d %d\n%s", i2, i3, i4, mainOf(p.body))
	}
}
