package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"sluis/db"
)

// breakAudit makes every audit write fail, as a broken audit table would.
func (se *senderEnv) breakAudit(t *testing.T) {
	t.Helper()
	err := se.w.Store.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.SQL().ExecContext(context.Background(), `ALTER TABLE audit_events RENAME TO audit_events_gone`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestActionsFailWithoutTheirAudit: when the audit event cannot be
// written, the admin's and the sender's actions answer the generic error
// and leave everything as it was.
func TestActionsFailWithoutTheirAudit(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	m, patient := se.heldDraft(t)
	admin, _ := se.adminBrowser(t)
	victim := se.browser(t)
	victim.signInNext(se.w.Sender.Email, senderPassword, "/drafts/"+m.UID)
	sid := strconv.FormatInt(se.w.Sender.ID, 10)
	admin.get("/admin/users")
	se.breakAudit(t)

	for _, action := range []string{"disable", "reset-factor"} {
		if p := admin.post("/admin/users/"+sid+"/"+action, nil); p.status != http.StatusInternalServerError {
			t.Errorf("%s without audit: %d", action, p.status)
		}
	}
	p := admin.post("/admin/users", url.Values{"email": {"nieuw@zkh.example"}, "role": {"sender"}, "password": {"a first password!"}})
	if p.status != http.StatusInternalServerError {
		t.Errorf("add without audit: %d", p.status)
	}
	if _, err := se.w.Store.UserByAddress(ctx, "nieuw@zkh.example"); err == nil {
		t.Error("a user was added without the audit event")
	}
	if u, _ := se.w.Store.User(ctx, se.w.Org.ID, se.w.Sender.ID); u.Disabled {
		t.Error("the user was disabled without the audit event")
	}

	// The sender's session outlived the failed disable and reset.
	if p := victim.get("/drafts/" + m.UID); p.status != http.StatusOK {
		t.Fatalf("the sender's session ended: %d", p.status)
	}
	id := strconv.FormatInt(patient.ID, 10)
	p = victim.post("/drafts/"+m.UID, url.Values{"recipient": {id}, "phone-" + id: {"06 1234 5678"}, "receipt": {"1"}})
	if p.status != http.StatusInternalServerError {
		t.Errorf("draft release without audit: %d", p.status)
	}
	msg, rs := se.w.Latest(t)
	if msg.State != db.StateHeld || rs[0].Problem == "" || msg.ReceiptTo != "" {
		t.Errorf("a failed release left %s, problem %q, receipt %q", msg.State, rs[0].Problem, msg.ReceiptTo)
	}
}
