package portal

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sluis/db"
)

// TestBrowserRememberedDevice: a recipient ticks "remember this device",
// the next message opens with one button and no text, and after the number
// changes in the address book the device asks for a code again.
func TestBrowserRememberedDevice(t *testing.T) {
	ctx := browserContext(t)
	re := newRecipientEnv(t, nil)
	re.w.AddPhone(t, "patient@example.com", "+31612345678")
	_, rs := re.report(t, "patient@example.com")
	w := &walk{t: t, ctx: ctx, base: re.srv.URL, axe: axeSource(t), seen: map[string]bool{}}

	w.run("landing", chromedp.Navigate(w.base+re.w.Path(rs[0])), chromedp.WaitVisible(css("#send")))
	w.run("send code", chromedp.Click(css("#send")), chromedp.WaitVisible(css("#remember")))
	if label := w.text(`label:has(#remember)`); !strings.Contains(label, "Remember this device for 30 days") {
		t.Errorf("the remember box says %q", label)
	}
	w.checkA11y("code with remember box")
	code := re.w.Texts.LastCode("+31612345678")
	w.run("right code, remembered", chromedp.SendKeys(css("#code"), code), chromedp.Click(css("#remember")),
		chromedp.Submit(css("#code")), chromedp.WaitVisible(css(".mail-body")))
	if note := w.text("#forget-device"); note != "Forget this device" {
		t.Errorf("the message page offers %q, want the forget button", note)
	}
	w.checkA11y("message with a remembered device")

	texts := re.w.Texts.Count()
	_, next := re.report(t, "patient@example.com")
	w.run("the next message", chromedp.Navigate(w.base+re.w.Path(next[0])), chromedp.WaitVisible(css("#open-device")))
	w.checkA11y("landing with a remembered device")
	w.run("open with the device", chromedp.Click(css("#open-device")), chromedp.WaitVisible(css(".mail-body")))
	if body := w.mailBody(); !strings.Contains(body, "de uitslag") {
		t.Errorf("message body: %q", body)
	}
	if re.w.Texts.Count() != texts {
		t.Errorf("opening with the device sent %d texts", re.w.Texts.Count()-texts)
	}

	re.w.AddPhone(t, "patient@example.com", "+31687654321")
	_, third := re.report(t, "patient@example.com")
	w.run("after the number changed", chromedp.Navigate(w.base+re.w.Path(third[0])), chromedp.WaitVisible(css("#send")))
	if n := w.count("#open-device"); n != 0 {
		t.Error("the device still opens messages after the number changed")
	}
	wantAudit(t, re, "device.remember", "device.use", "device.revoke")
}

// count is how many elements match sel.
func (w *walk) count(sel string) int {
	w.t.Helper()
	return eval[int](w, "counting "+sel, `document.querySelectorAll(`+jsString(sel)+`).length`)
}

// wantAudit checks that the organisation's device events are kinds, in order.
func wantAudit(t *testing.T, re *recipientEnv, kinds ...string) {
	t.Helper()
	evs, err := re.w.Store.AuditEvents(context.Background(), re.w.Org.ID, db.AuditQuery{Kind: "device."})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind)
	}
	slices.Reverse(got)
	if !slices.Equal(got, kinds) {
		t.Errorf("device audit events %v, want %v", got, kinds)
	}
}
