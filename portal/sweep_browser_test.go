package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sluis/db"
)

// The page sweep: every kind of page, with data and with a form error,
// at 360 px and 1280 px, in Dutch, French and English, checked for
// horizontal overflow (at 360 px), axe-core's WCAG 2.1 A/AA rules, raw
// message keys or internal codes in the text people see, and English UI
// words on a Dutch or French page. Add a page by adding a row to the
// table in TestBrowserPageSweep.

// sweepPage is one row of the sweep: who looks (anonymous, recipient,
// sender, admin), where, and what to do there before checking (such as
// posting a form with a mistake).
type sweepPage struct {
	name string
	who  string // "anon" (also the recipient's own pages), "sender", "admin"
	path string
	// pathFor, when set, gives the path per language (pages whose data
	// one visit uses up, such as a code's attempts).
	pathFor func(lang string) string
	act     func(w *walk) // nil: the page as loaded
	wait    string        // an element the checked state shows
	// shot, when set, names the screenshot taken in English at shotWidth
	// when SLUIS_SCREENSHOTS names a folder (the README's pictures).
	shot      string
	shotWidth int64
	// allow lists codes the page shows on purpose (the CSV columns the
	// import page documents).
	allow []string
}

// sweepWidths are the viewport widths every page is checked at.
var sweepWidths = []int64{360, 1280}

// englishWords must not appear on a Dutch or French page (outside
// elements marked as another language, such as the language switcher).
var englishWords = []string{"Sign in", "Sign out", "Save", "Cancel", "Search", "Settings", "Password",
	"Address book", "Recipients", "Send", "Back to", "Next page", "Previous page", "Delete", "Remove", "Inherited",
	"Default", "Error", "Download", "Reply", "Users", "Units", "Policy", "Audit log", "audit log", "Revoke", "Submit",
	"Yes", "Now", "Failed", "Finish sending", "Held", "Sent", "Expired", "Revoked", "Done", "View", "Skip to",
	"Language", "the", "and", "your", "you", "with", "from", "this", "is not", "please"}

// sweepScript reads the page: overflow, the text people see (and
// attribute texts read out), minus records for machines ([data-raw]).
const sweepScript = `(() => {
  const lang = document.documentElement.lang;
  const skip = el => el.closest("[data-raw], script, style, textarea, template");
  const other = el => { const l = el.closest("[lang]"); return l && l !== document.documentElement && l.lang !== lang; };
  const own = [], all = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || !n.textContent.trim()) continue;
    if (!el.checkVisibility() && !el.closest(".sr-caption, .skip, option, thead")) continue;
    all.push(n.textContent);
    if (!other(el)) own.push(n.textContent);
  }
  for (const el of document.body.querySelectorAll("[aria-label], [alt], [placeholder], [title], input[type=submit]")) {
    if (skip(el)) continue;
    for (const a of ["aria-label", "alt", "placeholder", "title", "value"]) {
      const v = el.getAttribute(a);
      if (v && (a !== "value" || el.type === "submit")) { all.push(v); if (!other(el)) own.push(v); }
    }
  }
  all.push(document.title); own.push(document.title);
  return JSON.stringify({overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    all: all.join(" \n "), own: own.join(" \n ")});
})()`

var (
	// Addresses, links, domains and file names are data, not codes.
	sweepDataRE = []string{`\S+@\S+`, `\bsluis_\w+`, `https?://\S+`, `\b[\w-]+(\.[\w-]+)*\.(example|com|org|nl|be|fr|net|eml|txt|pdf|png|csv|svg|html|gif|jpg)\b`}
	// A message key (policy.change), a snake_case word, a key=value record.
	sweepCodeRE = []string{`\b[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\b`, `\b[a-z]+_[a-z0-9_]+\b`, `\b[a-z_]+=\S`}
)

func TestBrowserPageSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the page sweep is long; skipped with -short")
	}
	ctx := browserContextFor(t, 20*time.Minute)
	se := newSenderEnv(t)
	d := sweepSetup(t, se)
	w := &walk{t: t, ctx: ctx, base: se.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	pages := []sweepPage{
		{name: "sign-in", who: "anon", path: "/signin", wait: "#password"},
		{name: "sign-in with an error", who: "anon", path: "/signin", wait: ".flash-error", act: func(w *walk) {
			w.run("wrong password", chromedp.SetValue(css("#email"), "niemand@zkh.example"), chromedp.SetValue(css("#password"), "fout wachtwoord"),
				chromedp.Submit(css("#password")), chromedp.WaitVisible(css(".flash-error")))
		}},
		{name: "not found", who: "anon", path: "/nergens", wait: "h1"},
		{name: "about", who: "anon", path: "/about", wait: "h1"},
		{name: "accessibility statement", who: "anon", path: "/accessibility", wait: "h1"},
		{name: "recipient landing", who: "anon", path: d.landing, wait: "#send"},
		{name: "recipient code", who: "anon", path: d.landing, wait: "#code", act: func(w *walk) {
			// Once a code is live (the second language on), the page has
			// the field already: sending again would leave a page that
			// has what the wait looks for, and the checks would run in
			// the navigation.
			if !eval[bool](w, "code field", `document.querySelector("#code") !== null`) {
				w.run("send code", chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
			}
		}},
		{name: "recipient wrong code", who: "anon", pathFor: func(lang string) string { return d.wrong[lang] }, wait: "#code-error", act: func(w *walk) {
			if !eval[bool](w, "code field", `document.querySelector("#code") !== null`) {
				w.run("send code", chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
			}
			w.run("wrong code", chromedp.SetValue(css("#code"), "000000"), chromedp.Submit(css("#code")), chromedp.WaitVisible(css("#code-error")))
		}},
		{name: "recipient message", who: "anon", path: d.read + "/read", wait: ".mail-body", shot: "recipient-message.png", shotWidth: 360},
		{name: "recipient reply", who: "anon", path: d.read + "/reply", wait: "#text"},
		{name: "recipient print view", who: "anon", path: d.read + "/print", wait: ".print-doc"},
		{name: "recipient reply with an error", who: "anon", path: d.read + "/reply", wait: "#text-error", act: func(w *walk) {
			w.run("empty reply", chromedp.SetValue(css("#text"), " "), chromedp.Submit(css("#text")), chromedp.WaitVisible(css("#text-error")))
		}},
		{name: "sender messages", who: "sender", path: "/messages", wait: "#sent"},
		{name: "sender messages, none found", who: "sender", path: "/messages?state=expired&q=nergens", wait: "#no-messages"},
		{name: "sender message", who: "sender", path: "/messages/" + d.sent, wait: "#revoke-section"},
		{name: "sender revoke with an error", who: "sender", path: "/messages/" + d.sent, wait: "#revoke-who-error", act: func(w *walk) {
			w.run("revoke without choosing", chromedp.Click(css("#revoke")), chromedp.WaitVisible(css("#revoke-who-error")))
		}},
		{name: "sender revoke confirmation", who: "sender", path: "/messages/" + d.sent, wait: "#revoke-confirm", act: func(w *walk) {
			w.run("revoke, first step", chromedp.Click(css(`input[name="recipient"][value="all"]`)), chromedp.Click(css(`input[name="when"][value="now"]`)),
				chromedp.Click(css("#revoke")), chromedp.WaitVisible(css("#revoke-confirm")))
		}},
		{name: "sender proof of delivery", who: "sender", path: "/messages/" + d.sent + "/proof", wait: "#proof-sha256"},
		{name: "sender draft", who: "sender", path: "/drafts/" + d.held, wait: "#control-lines", shot: "draft.png", shotWidth: 1280},
		{name: "sender draft with an error", who: "sender", path: "/drafts/" + d.held, wait: ".field-error[id$='-error']", act: func(w *walk) {
			w.run("bad number", chromedp.SetValue(css(`input[type="tel"]`), "12"), chromedp.Click(css("#send")),
				chromedp.WaitVisible(css("p.field-error[id^='phone-']")))
		}},
		{name: "sender reply", who: "sender", path: "/replies/" + d.reply, wait: "h1"},
		{name: "sender contacts", who: "sender", path: "/contacts", wait: "h1"},
		{name: "sender contact with an error", who: "sender", path: "/contacts/new", wait: "#email-error", act: func(w *walk) {
			w.run("bad address", chromedp.SetValue(css("#email"), "geen adres"), chromedp.Submit(css("#email")), chromedp.WaitVisible(css("#email-error")))
		}},
		{name: "account", who: "sender", path: "/account", wait: "h1"},
		{name: "admin units", who: "admin", path: "/admin/units", wait: "#create-unit"},
		{name: "admin users", who: "admin", path: "/admin/users", wait: "#add-user"},
		{name: "admin policy", who: "admin", path: d.policy, wait: "#section-receipts", shot: "policy.png", shotWidth: 1280},
		{name: "admin policy with an error", who: "admin", path: d.policy, wait: "#value-read_receipt_allowlist-error", act: func(w *walk) {
			w.run("bad allowlist", chromedp.Click(css("#read_receipts-internal_allowlist")),
				chromedp.SetValue(css("#value-read_receipt_allowlist"), "a@partner.example b@partner.example"),
				chromedp.Click(css("#save-receipts")), chromedp.WaitVisible(css("#value-read_receipt_allowlist-error")))
		}},
		{name: "admin locked recipients", who: "admin", path: "/admin/recipients", wait: "h1"},
		{name: "admin audit log", who: "admin", path: "/admin/audit", wait: "#audit", shot: "audit.png", shotWidth: 1280},
		{name: "admin audit event", who: "admin", path: "/admin/audit/" + d.event, wait: "#record"},
		{name: "admin address book", who: "admin", path: "/admin/book", wait: "h1"},
		{name: "admin import report", who: "admin", path: "/admin/book/import", wait: "#report",
			allow: []string{"email_address", "full_name", "phone_number", "access_code", "access_code_hint"}, act: func(w *walk) {
				w.run("import", chromedp.SetUploadFiles(css("#file"), []string{d.csv}), chromedp.Click(css("#dry_run")),
					chromedp.Click(css("#upload")), chromedp.WaitVisible(css("#report")))
			}},
		{name: "admin look", who: "admin", path: "/admin/look", wait: "#display_name"},
		{name: "admin API keys", who: "admin", path: "/admin/api-keys", wait: "#keys"},
		{name: "admin API key with an error", who: "admin", path: "/admin/api-keys", wait: "#name-error", act: func(w *walk) {
			eval[bool](w, "no name", `(() => { const n = document.querySelector("#name"); n.required = false; n.value = ""; n.form.requestSubmit(); return true; })()`)
		}},
	}
	langs := []string{"nl", "fr", "en"}
	checked := 0
	for _, who := range []string{"anon", "sender", "admin"} {
		w.become(who, d)
		for _, p := range pages {
			if p.who != who {
				continue
			}
			for _, lang := range langs {
				for _, width := range sweepWidths {
					w.sweep(p, lang, width)
					checked++
				}
			}
		}
	}
	t.Logf("page sweep: %d page states × %d widths × %d languages = %d pages checked", len(pages), len(sweepWidths), len(langs), checked)
	if checked != len(pages)*len(sweepWidths)*len(langs) {
		t.Errorf("checked %d, want %d", checked, len(pages)*len(sweepWidths)*len(langs))
	}
}

// sweepWorld is the data the sweep's pages show.
type sweepWorld struct {
	landing, read      string            // a recipient's link not yet verified; one verified (cookies set)
	wrong              map[string]string // per language, a recipient's link to type wrong codes at
	code               func() string     // the verified recipient's last SMS code
	sent, held, reply  string            // uids
	policy, event, csv string
}

// sweepSetup fills the organisation: a sent message with a reply, a held
// draft with bad control-block lines, address-book entries, an API key,
// audit events, and a CSV file to import.
func sweepSetup(t *testing.T, se *senderEnv) sweepWorld {
	t.Helper()
	addrs := []string{"patient@example.com", "collega@partner.example", "nl@partner.example", "fr@partner.example", "en@partner.example", "antwoord@partner.example"}
	for i, a := range addrs {
		se.w.AddPhone(t, a, "+3161234567"+strconv.Itoa(i))
	}
	msg, rs := se.report(t, addrs...)
	rc := rs[5]
	reader := se.browser(t)
	reader.verifyBySMS(rc)
	reader.get(se.w.Path(rc) + "/reply")
	if p := reader.postReply(se.w.Path(rc)+"/reply", "Mag ik de foto's ook? Met vriendelijke groet.", nil); p.status != 303 {
		t.Fatalf("reply: %d", p.status)
	}
	replies, err := se.w.Store.Replies(t.Context(), rc.OrgID, rc.MessageID)
	if err != nil || len(replies) != 1 {
		t.Fatalf("replies %v %v", replies, err)
	}
	d := sweepWorld{landing: se.w.Path(rs[1]), wrong: map[string]string{"nl": se.w.Path(rs[2]), "fr": se.w.Path(rs[3]), "en": se.w.Path(rs[4])}, read: se.w.Path(rs[0]), code: func() string { return se.w.Texts.LastCode(rs[0].Phone) }, sent: msg.UID, reply: replies[0].UID,
		policy: "/admin/units/" + strconv.FormatInt(se.w.Org.RootUnit, 10) + "/policy"}
	held, _ := se.w.Submit(t, "From: arts@zkh.example\nTo: nieuw@example.org, tweede@example.org\nSubject: Verwijzing cardiologie met een heel lang onderwerp dat op een telefoon moet afbreken\n"+
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n<!--zivver_headers\nzivver-access-right: nieuw@example.org sms +31201234567\n"+
		"zivver-access-right: tweede@example.org fax 0612345678\nzivver_headers-->\nBeste,\n", "nieuw@example.org", "tweede@example.org")
	if held.State != db.StateHeld {
		t.Fatalf("the draft is %s", held.State)
	}
	d.held = held.UID
	admin, _ := se.adminBrowser(t)
	admin.createKey("crm-koppeling")
	admin.get(d.policy)
	admin.post(d.policy, url.Values{"section": {"receipts"}, "action": {"save"}, "read_receipts": {"any"}, "read_receipt_ask": {"true"}})
	events, err := se.w.Store.AuditEvents(t.Context(), se.w.Org.ID, db.AuditQuery{Kind: "policy.change", Limit: 1})
	if err != nil || len(events) != 1 {
		t.Fatalf("events %v %v", events, err)
	}
	d.event = strconv.FormatInt(events[0].ID, 10)
	d.csv = filepath.Join(t.TempDir(), "adresboek.csv")
	long := strings.Repeat("heel-lang-adres-", 8) + "@voorbeeld-ziekenhuis-met-een-lange-naam.example"
	csv := "email_address,full_name,phone_number,access_code,access_code_hint\n" +
		"jansen@example.com,Mevrouw Jansen,+31612345601,,\n" + long + ",Lang Adres,0612,,\n" + "geen-adres,Fout,,,\n"
	if err := os.WriteFile(d.csv, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// become signs the walk's browser in as who: nobody (with the verified
// recipient's cookies), the sender, or an admin.
func (w *walk) become(who string, d sweepWorld) {
	w.t.Helper()
	switch who {
	case "anon":
		w.run("recipient verifies", chromedp.Navigate(w.base+d.read), chromedp.Click(css("#send")), chromedp.WaitVisible(css("#code")))
		w.run("recipient types the code", chromedp.SetValue(css("#code"), d.code()), chromedp.Submit(css("#code")), chromedp.WaitVisible(css(".mail-body")))
	case "sender":
		w.run("sign-in page", chromedp.Navigate(w.base+"/signin?lang=nl"))
		w.signIn("arts@zkh.example", "#sent")
	case "admin":
		w.run("sign out", chromedp.Navigate(w.base+"/about"), chromedp.Click(css("form.signout button")), chromedp.WaitVisible(css("#password")))
		w.signIn("hoofd@zkh.example", "h1")
	}
}

// sweep loads one page state in one language at one width and checks it.
func (w *walk) sweep(p sweepPage, lang string, width int64) {
	w.t.Helper()
	what := fmt.Sprintf("%s (%s, %d px)", p.name, lang, width)
	ctx := w.ctx
	defer func() { w.ctx = ctx }()
	var cancel context.CancelFunc
	w.ctx, cancel = context.WithTimeout(ctx, time.Minute) // one stuck page must not stall the sweep
	defer cancel()
	path, sep := p.path, "?"
	if p.pathFor != nil {
		path = p.pathFor(lang)
	}
	if strings.Contains(path, "?") {
		sep = "&"
	}
	w.run(what, chromedp.EmulateViewport(width, 800), chromedp.Navigate(w.base+path+sep+"lang="+lang))
	if p.act != nil {
		// Every act posts a form: wait for the new document, not an
		// element the old one already had.
		eval[bool](w, "marking "+what, `window.sweepOld = true`)
		p.act(w)
		for range 100 { // the old document may vanish while it is asked
			done, err := chromedp.Run(w.ctx, chromedp.Evaluate[bool](`!window.sweepOld && document.readyState === "complete"`))
			if err == nil && done {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	w.t.Logf("checking %s", what)
	w.run(what, chromedp.WaitVisible(css(p.wait)))
	w.seen[p.name] = true
	var got struct {
		Overflow int
		All, Own string
	}
	if err := jsonInto(eval[string](w, "reading "+what, sweepScript), &got); err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
	if width == 360 && got.Overflow > 0 {
		w.t.Errorf("%s: %d px wider than the screen", what, got.Overflow)
	}
	text := got.All
	for _, re := range sweepDataRE {
		text = regexpOf(re).ReplaceAllString(text, " ")
	}
	for _, re := range sweepCodeRE {
		var m []string
		for _, code := range regexpOf(re).FindAllString(text, -1) {
			if !slices.Contains(p.allow, code) && len(m) < 5 {
				m = append(m, code)
			}
		}
		if m != nil {
			w.t.Errorf("%s: internal codes in the text: %q", what, m)
		}
	}
	if lang != "en" {
		own := got.Own
		for _, re := range sweepDataRE {
			own = regexpOf(re).ReplaceAllString(own, " ")
		}
		for _, word := range englishWords {
			if regexpOf(`\b` + word + `\b`).MatchString(own) {
				w.t.Errorf("%s: the English %q", what, word)
			}
		}
	}
	w.checkA11y(what)
	if dir := os.Getenv("SLUIS_SCREENSHOTS"); dir != "" && p.shot != "" && lang == "en" && width == p.shotWidth {
		png, err := chromedp.Run(w.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			w.t.Fatalf("screenshot %s: %v", p.shot, err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.shot), png, 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
}

var regexps sync.Map // pattern → *regexp.Regexp

// regexpOf compiles a pattern once.
func regexpOf(pattern string) *regexp.Regexp {
	if re, ok := regexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	regexps.Store(pattern, re)
	return re
}

func jsonInto(s string, v any) error { return json.Unmarshal([]byte(s), v) }
