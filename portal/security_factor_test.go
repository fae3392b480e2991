package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAdminUnlocksSecondFactor: the users page marks a user whose second
// factor locked after too many wrong codes, the admin's unlock ends the
// run, and the unlock is audited.
func TestAdminUnlocksSecondFactor(t *testing.T) {
	se := newSenderEnv(t)
	ctx := context.Background()
	u := se.w.Sender
	lockAll := func(int) (time.Duration, bool) { return 0, true }
	if _, _, err := se.w.Store.CountFactorAttempt(ctx, u.OrgID, u.ID, time.Now(), lockAll); err != nil {
		t.Fatal(err)
	}
	admin, _ := se.adminBrowser(t)
	p := admin.get("/admin/users")
	mustContain(t, "users page", p, http.StatusOK, "Second factor locked", "/unlock-factor")
	sid := strconv.FormatInt(u.ID, 10)
	if p := admin.post("/admin/users/"+sid+"/unlock-factor", nil); p.location != "/admin/users?done=factor_unlocked" {
		t.Fatalf("unlock: %d %s", p.status, p.location)
	}
	if f, err := se.w.Store.FactorFailures(ctx, u.OrgID, u.ID); err != nil || f.Locked || f.Count != 0 {
		t.Errorf("after the unlock: %+v, %v", f, err)
	}
	mustLack(t, "users page after the unlock", admin.get("/admin/users"), "/unlock-factor")
	events := se.auditKinds(t, se.w.Org.ID, "user.unlock_factor")
	if len(events) != 1 || events[0].Outcome != "ok" || !strings.Contains(events[0].Target, u.Email) {
		t.Errorf("unlock events: %+v", events)
	}
}

// TestThrottledSaysHowLong: a refused sign-in tells how long to wait.
func TestThrottledSaysHowLong(t *testing.T) {
	se := newSenderEnv(t)
	b := se.browser(t)
	b.get("/signin")
	var p page
	for range 6 {
		p = b.post("/signin", url.Values{"email": {se.w.Sender.Email}, "password": {"wrong password!"}})
	}
	mustContain(t, "sixth wrong password", p, http.StatusTooManyRequests, "Try again in ")
}
