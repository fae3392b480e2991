package delivery

import (
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/mime"
)

func TestDraftSupersededExpiredAndReminded(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.svc.opt.Now = func() time.Time { return now }
	submit := func(subject string) {
		t.Helper()
		msg := &mime.Message{Subject: subject, Text: "Beste,", To: []mime.Address{{Addr: "x@example.com"}}}
		if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"x@example.com"}, Message: msg, Size: 10}); err != nil {
			t.Fatal(err)
		}
	}
	submit("Uitslag")
	submit("Iets anders")
	f.put(t, db.PersonalBook(f.org.ID, f.sender.ID), "x@example.com", "+31612345601", "")
	submit("Uitslag") // sent again after fixing the address book
	states := func() []string {
		var out []string
		for id := int64(1); id <= 3; id++ {
			m, err := f.store.Message(ctx, f.org.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m.State)
		}
		return out
	}
	if got := states(); got[0] != db.StateSuperseded || got[1] != db.StateHeld || got[2] != db.StateReleased {
		t.Fatalf("states %v", got)
	}
	now = now.Add(13 * 24 * time.Hour)
	if r, e, err := f.svc.SweepDrafts(ctx); err != nil || r != 1 || e != 0 {
		t.Fatalf("day 13: reminded %d, expired %d, %v", r, e, err)
	}
	if r, _, _ := f.svc.SweepDrafts(ctx); r != 0 {
		t.Error("a second sweep reminded again")
	}
	now = now.Add(2 * 24 * time.Hour)
	if _, e, err := f.svc.SweepDrafts(ctx); err != nil || e != 1 {
		t.Fatalf("day 15: expired %d, %v", e, err)
	}
	m, err := f.store.Message(ctx, f.org.ID, 2)
	if err != nil || m.State != db.StateExpired || m.TextBlob != "" {
		t.Errorf("expired draft: %+v, %v", m, err)
	}
}

func TestRevokeNowAndLater(t *testing.T) {
	f := newFixture(t)
	f.put(t, db.OrgBook(f.org.ID), "x@example.com", "+31612345601", "")
	f.put(t, db.OrgBook(f.org.ID), "y@example.com", "+31612345602", "")
	msg := &mime.Message{Subject: "S", Text: "T", To: []mime.Address{{Addr: "x@example.com"}}}
	if err := f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{"x@example.com", "y@example.com"}, Message: msg, Size: 10}); err != nil {
		t.Fatal(err)
	}
	m, rs := f.only(t)
	if err := f.svc.Revoke(ctx, f.sender, m.UID, rs[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Revoke(ctx, f.sender, m.UID, 0, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, err := f.store.RecipientStatuses(ctx, f.org.ID, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Status != db.StatusRevoked || st[1].Status == db.StatusRevoked || st[1].RevokeAt.IsZero() {
		t.Errorf("after revoking x now and all later: %+v", st)
	}
	if _, err := f.store.RevokeRecipients(ctx, f.org.ID, m.ID, 0, time.Now()); err != nil { // what the job does
		t.Fatal(err)
	}
	if m, _ := f.only(t); m.State != db.StateRevoked {
		t.Errorf("message state %s after all were revoked", m.State)
	}
	other, err := f.store.CreateUser(ctx, db.NewUser{OrgID: f.org.ID, Email: "ander@zkh.nl", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Revoke(ctx, other, m.UID, 0, time.Time{}); err == nil {
		t.Error("another user revoked the message")
	}
}
