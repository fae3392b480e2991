package portal

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sluis/db"
	"sluis/portal/policy"
)

// rememberBySMS walks from the link to the open message with the box
// "remember this device" ticked, and returns the device cookie.
func (b *browser) rememberBySMS(rc db.Recipient) *http.Cookie {
	b.t.Helper()
	link := b.re.w.Path(rc)
	b.get(link)
	b.post(link+"/code", nil)
	p := b.get(link)
	mustContain(b.t, "code form", p, http.StatusOK, `name="remember"`, "Remember this device for 30 days")
	code := b.re.w.Texts.LastCode(rc.Phone)
	p = b.post(link+"/check", url.Values{"code": {code}, "remember": {"1"}})
	if p.location != link+"/read" {
		b.t.Fatalf("check code: %d to %q", p.status, p.location)
	}
	for _, c := range p.cookies {
		if strings.HasPrefix(c.Name, "rdev_") {
			if c.Path != "/m/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 30*24*3600 || len(c.Value) != 43 {
				b.t.Errorf("device cookie %+v", c)
			}
			return c
		}
	}
	b.t.Fatal("no device cookie after ticking the box")
	return nil
}

func TestRememberedDeviceOverHTTP(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	b := re.browser(t)
	cookie := b.rememberBySMS(rc)
	p := b.get(re.w.Path(rc) + "/read")
	mustContain(t, "message page", p, http.StatusOK, `id="forget-device"`, "This device is remembered until")

	_, next := re.report(t, rc.Address)
	link := re.w.Path(next[0])
	texts := re.w.Texts.Count()
	p = b.get(link)
	mustContain(t, "next landing", p, http.StatusOK, `id="open-device"`, "You chose to remember this device until")
	mustLack(t, "next landing", p, `name="remember"`)
	if p = b.post(link+"/device", nil); p.location != link+"/read" {
		t.Fatalf("open with the device: %d to %q", p.status, p.location)
	}
	mustContain(t, "opened with the device", b.get(link+"/read"), http.StatusOK, `src="`+link+`/body"`)
	mustContain(t, "its letter", b.get(link+"/body"), http.StatusOK, "de uitslag")
	if re.w.Texts.Count() != texts {
		t.Error("the device sent a text")
	}

	// The same cookie in another browser works too (it is the device's
	// only key), and a forged or altered one is ignored.
	other := re.browser(t)
	forged := *cookie
	forged.Value = strings.Repeat("A", 43)
	u, _ := url.Parse(re.srv.URL + "/m/")
	other.c.Jar.SetCookies(u, []*http.Cookie{&forged})
	p = other.get(link)
	mustLack(t, "forged cookie", p, `id="open-device"`)
	if p = other.post(link+"/device", nil); p.location != link+"?device=gone" {
		t.Errorf("a forged device opened %q", p.location)
	}

	// Forget: the cookie goes, and the next message asks for a code.
	p = b.post(link+"/forget-device", nil)
	if p.location != link+"/read?device=forgotten" {
		t.Fatalf("forget: %d to %q", p.status, p.location)
	}
	mustContain(t, "after forgetting", b.get(p.location), http.StatusOK, "This device is forgotten")
	_, third := re.report(t, rc.Address)
	p = b.get(re.w.Path(third[0]))
	mustLack(t, "landing after forgetting", p, `id="open-device"`)
	mustContain(t, "landing after forgetting", p, http.StatusOK, `id="send"`)
	wantAudit(t, re, "device.remember", "device.use", "device.forget")
}

func TestRememberBoxFollowsThePolicy(t *testing.T) {
	re := newRecipientEnv(t, nil)
	rc := re.smsRecipient(t)
	if err := re.opt.Policy.Set(t.Context(), re.w.Org.ID, re.w.Org.RootUnit, policy.RememberDevice, "0", "test"); err != nil {
		t.Fatal(err)
	}
	b := re.browser(t)
	link := re.w.Path(rc)
	b.get(link)
	b.post(link+"/code", nil)
	p := b.get(link)
	mustLack(t, "code form at 0 days", p, `name="remember"`)
	code := re.w.Texts.LastCode(rc.Phone)
	p = b.post(link+"/check", url.Values{"code": {code}, "remember": {"1"}})
	for _, c := range p.cookies {
		if strings.HasPrefix(c.Name, "rdev_") {
			t.Errorf("a device was remembered at 0 days: %v", c)
		}
	}
	wantAudit(t, re)
}

func TestAdminRevokesADevice(t *testing.T) {
	se := newSenderEnv(t)
	re := se.recipientEnv
	rc := re.smsRecipient(t)
	re.browser(t).rememberBySMS(rc)
	ds, err := re.w.Store.Devices(t.Context(), re.w.Org.ID, re.w.Clock.Now())
	if err != nil || len(ds) != 1 {
		t.Fatalf("devices %v, %v", ds, err)
	}
	admin, _ := se.adminBrowser(t)
	p := admin.get("/admin/recipients")
	mustContain(t, "admin recipients", p, http.StatusOK, "Remembered devices", rc.Address, "/admin/devices/")
	p = admin.post("/admin/devices/"+itoa(ds[0].ID)+"/revoke", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	mustContain(t, "after revoking", admin.get(p.location), http.StatusOK, "The device was revoked", "No remembered devices.")
	if p = admin.post("/admin/devices/"+itoa(ds[0].ID)+"/revoke", nil); p.status != http.StatusNotFound {
		t.Errorf("revoking twice: %d", p.status)
	}
	wantAudit(t, re, "device.remember", "device.revoke")
}

func TestAdminSetsRememberDevicePolicy(t *testing.T) {
	se := newSenderEnv(t)
	admin, _ := se.adminBrowser(t)
	path := "/admin/units/" + itoa(se.w.Org.RootUnit) + "/policy"
	p := admin.get(path)
	mustContain(t, "policy page", p, http.StatusOK, `id="setting-remember_device"`, "Remember a recipient&#39;s device", `min="0"`)
	for _, bad := range []string{"91", "-1", "dertig"} {
		p = admin.post(path, url.Values{"name": {"remember_device"}, "value": {bad}, "action": {"set"}})
		mustContain(t, "remember "+bad, p, http.StatusUnprocessableEntity, "Give a whole number of days from 0 to 90.")
	}
	if p = admin.post(path, url.Values{"name": {"remember_device"}, "value": {"0"}, "action": {"set"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set 0: %d\n%s", p.status, mainOf(p.body))
	}
	if st, err := se.policy.For(t.Context(), se.w.Org.ID, se.w.Org.RootUnit); err != nil || st.RememberDeviceDays != 0 {
		t.Errorf("after setting 0: %d days (%v)", st.RememberDeviceDays, err)
	}
}
