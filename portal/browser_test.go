package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sluis/db"
	"sluis/portal/sms"
)

// webhookTexts is the SMS gateway's far side: a real HTTP server that
// receives the webhook's JSON, as an operator's SMS service would.
type webhookTexts struct {
	mu    sync.Mutex
	texts map[string]string // number → last text
}

func (w *webhookTexts) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var m struct{ To, Text string }
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(rw, "bad json", http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.texts[m.To] = m.Text
	w.mu.Unlock()
	rw.WriteHeader(http.StatusAccepted)
}

var codeInText = regexp.MustCompile(`\b\d{6}\b`)

func (w *webhookTexts) code(t *testing.T, number string) string {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	code := codeInText.FindString(w.texts[number])
	if code == "" {
		t.Fatalf("no text reached %s", number)
	}
	return code
}

// browserContext starts chromium, or skips (fails under CI=true) when
// there is none.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	return browserContextFor(t, 3*time.Minute)
}

// browserContextFor is browserContext for a walk that may take longer.
func browserContextFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("the browser tests need chromium, and CI must run them")
		}
		t.Skip("the browser tests need chromium (apt-get install chromium); skipped outside CI")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(390, 844))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // the first run starts the browser: no timeout on it
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel = context.WithTimeout(ctx, limit)
	t.Cleanup(cancel)
	return ctx
}

// axeSource is axe-core from SLUIS_AXE_JS (.ci/run installs it), or ""
// when absent outside CI.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SLUIS_AXE_JS")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUIS_AXE_JS is not set, and CI must run axe-core")
		}
		t.Log("SLUIS_AXE_JS not set: accessibility checks skipped outside CI")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SLUIS_AXE_JS: %v", err)
	}
	return string(b)
}

// walk drives one browser through the recipient pages.
type walk struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
	seen map[string]bool
}

func (w *walk) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

// css selects the first element matching a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// text returns the text of the first element matching sel.
func (w *walk) text(sel string) string {
	w.t.Helper()
	s, err := chromedp.Run(w.ctx, chromedp.Text(css(sel)))
	if err != nil {
		w.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// eval runs a script in the page and waits for its promise.
func eval[T any](w *walk, what, js string) T {
	w.t.Helper()
	v, err := chromedp.Run(w.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// checkA11y runs axe-core's WCAG 2.1 A and AA rules on the page and fails
// on any violation.
func (w *walk) checkA11y(page string) {
	w.t.Helper()
	w.seen[page] = true
	if w.axe == "" {
		return
	}
	eval[bool](w, "injecting axe", w.axe+";true")
	run := `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}))))`
	if violations := eval[string](w, "running axe", run); violations != "[]" {
		w.t.Errorf("%s: accessibility violations: %s", page, violations)
	}
}

// fetch gets a URL from within the page (with its cookies) and returns
// the start of the body and the Content-Disposition.
func (w *walk) fetch(path string) (head, disposition string) {
	w.t.Helper()
	js := `fetch(` + jsString(path) + `).then(async r => [(await r.text()).slice(0, 8), r.headers.get("Content-Disposition") || ""])`
	out := eval[[]string](w, "fetching "+path, js)
	return out[0], out[1]
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestBrowserRecipientWayThrough(t *testing.T) {
	ctx := browserContext(t)
	hook := &webhookTexts{texts: map[string]string{}}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	gateway, err := sms.NewWebhook(hookSrv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	re := newRecipientEnv(t, gateway)
	re.w.AddPhone(t, "patient@example.com", "+31612345678")
	re.w.AddPhone(t, "collega@partner.example", "+31612345679")
	re.w.AddAccessCode(t, "kantoor.example", "Tulp-4471", "the flower and the year")
	_, rs := re.report(t, "patient@example.com", "collega@partner.example", "advocaat@kantoor.example")
	w := &walk{t: t, ctx: ctx, base: re.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	upload := filepath.Join(t.TempDir(), "antwoord.txt")
	if err := os.WriteFile(upload, []byte("mijn antwoord als bestand"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("sms", func(t *testing.T) { w.t = t; w.smsRecipient(re, hook, rs[0], rs[1], upload) })
	t.Run("lock", func(t *testing.T) { w.t = t; w.lock(re, hook, rs[1]) })
	t.Run("access code", func(t *testing.T) { w.t = t; w.accessRecipient(re, rs[2], upload) })
	t.Run("gone", func(t *testing.T) {
		w.t = t
		w.run("unknown link", chromedp.Navigate(w.base+"/m/"+strings.Repeat("x", tokenLen)), chromedp.WaitVisible(css("h1")))
		if h := w.text("h1"); h != "This link does not work" {
			t.Errorf("unknown link: %q", h)
		}
		w.checkA11y("gone")
	})
	for _, page := range []string{"landing", "code", "wrong code", "message", "reply", "locked", "access", "access error", "forgot", "gone", "withdrawn"} {
		if !w.seen[page] {
			t.Errorf("the walk never checked the %s page", page)
		}
	}
}

func (w *walk) smsRecipient(re *recipientEnv, hook *webhookTexts, rc, other db.Recipient, upload string) {
	t := w.t
	link := w.base + re.w.Path(rc)
	w.run("landing", chromedp.Navigate(link), chromedp.WaitVisible(css("#send")))
	w.checkA11y("landing")
	w.run("send code", chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
	w.checkA11y("code")
	code := hook.code(t, rc.Phone)
	w.run("wrong code", chromedp.SendKeys(css("#code"), wrongCode(code)), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css("#code-error")))
	if help := w.text("#code-help"); !strings.Contains(help, "4 attempts left") {
		t.Errorf("after a wrong code: %q", help)
	}
	w.checkA11y("wrong code")
	w.run("right code", chromedp.SetValue(css("#code"), code), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css(".mail-body")))
	if body := w.mailBody(); !strings.Contains(body, "de uitslag") {
		t.Errorf("message body: %q", body)
	}
	w.checkA11y("message")
	head, disp := w.fetch(re.w.Path(rc) + "/files/1")
	if head != "%PDF-1.4" || !strings.Contains(disp, "filename*=UTF-8''uitslag%20r%C3%B6ntgen") {
		t.Errorf("attachment: %q, %q", head, disp)
	}
	w.reply(re, upload)
	w.run("another recipient's link", chromedp.Navigate(w.base+re.w.Path(other)+"/read"), chromedp.WaitVisible(css("#send")))
	url, err := chromedp.Run(w.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if url != w.base+re.w.Path(other) {
		t.Errorf("another recipient's /read with this session ended at %s", url)
	}
}

func (w *walk) reply(re *recipientEnv, upload string) {
	t := w.t
	w.run("reply form", chromedp.Click(css(`a[href$="/reply"]`)), chromedp.WaitVisible(css("#text")))
	w.checkA11y("reply")
	w.run("send reply", chromedp.SendKeys(css("#text"), "Dank u wel."),
		chromedp.SetUploadFiles(css("#files"), []string{upload}), chromedp.Submit(css("#text")),
		chromedp.WaitVisible(css(".flash-info")))
	if notice := w.text(".flash-info"); !strings.Contains(notice, "Your reply was sent securely") {
		t.Errorf("after replying: %q", notice)
	}
}

func (w *walk) lock(re *recipientEnv, hook *webhookTexts, rc db.Recipient) {
	link := w.base + re.w.Path(rc)
	for round := 0; round < 4; round++ {
		w.run("landing", chromedp.Navigate(link), chromedp.WaitVisible(css("#send")),
			chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
		code := hook.code(w.t, rc.Phone)
		for i := 0; i < 5; i++ {
			w.run("wrong code", chromedp.SetValue(css("#code"), wrongCode(code)), chromedp.Submit(css("#code")),
				chromedp.WaitVisible(css("#error-summary")))
			if round == 3 {
				break
			}
		}
		if round < 3 {
			re.w.Clock.Advance(time.Minute)
		}
	}
	// 15 failures so far: the last round counts down to the lock.
	for left := 4; left > 0; left-- {
		if help := w.text("#code-help"); !strings.Contains(help, "After "+string(rune('0'+left))+" more wrong") {
			w.t.Errorf("%d before the lock: %q", left, help)
		}
		w.run("wrong code", chromedp.SetValue(css("#code"), "999999"), chromedp.Submit(css("#code")),
			chromedp.WaitVisible(css("#error-summary")))
	}
	if h := w.text("h2"); !strings.Contains(w.text("main"), "Access locked") {
		w.t.Errorf("after 20 wrong codes: %q", h)
	}
	w.checkA11y("locked")
}

func (w *walk) accessRecipient(re *recipientEnv, rc db.Recipient, upload string) {
	t := w.t
	link := w.base + re.w.Path(rc)
	w.run("landing", chromedp.Navigate(link), chromedp.WaitVisible(css("#access_code")))
	if help := w.text("#access_code-help"); !strings.Contains(help, "the flower and the year") {
		t.Errorf("hint: %q", help)
	}
	w.checkA11y("access")
	w.run("wrong access code", chromedp.SendKeys(css("#access_code"), "tulp"), chromedp.Submit(css("#access_code")),
		chromedp.WaitVisible(css("#access_code-error")))
	w.checkA11y("access error")
	w.run("forgot", chromedp.Click(css("#forgot")), chromedp.WaitVisible(css(".flash-info")))
	w.checkA11y("forgot")
	w.run("right access code", chromedp.SendKeys(css("#access_code"), "Tulp-4471"), chromedp.Submit(css("#access_code")),
		chromedp.WaitVisible(css(".mail-body")))
	if head, _ := w.fetch(re.w.Path(rc) + "/files/1"); head != "%PDF-1.4" {
		t.Errorf("attachment: %q", head)
	}
	w.reply(re, upload)
	if _, err := re.w.Store.DB().Exec(`UPDATE messages SET state = 'revoked' WHERE id = ?`, rc.MessageID); err != nil {
		t.Fatal(err)
	}
	w.run("withdrawn", chromedp.Navigate(link+"/read"), chromedp.WaitVisible(css("h1")))
	if h := w.text("h1"); h != "Message withdrawn" || strings.Contains(w.text("main"), "uitslag") {
		t.Errorf("withdrawn message: %q", h)
	}
	w.checkA11y("withdrawn")
}
