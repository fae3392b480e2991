package portal

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"sluis/portal/sms"
)

// hostileSite is where the fidelity letter's remote references point: a
// real HTTP server that counts what a browser asked of it, with the
// Referer and cookies it sent.
type hostileSite struct {
	mu       sync.Mutex
	hits     map[string]int
	referers []string
	cookies  []string
}

func (h *hostileSite) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hits[r.URL.Path]++
	h.referers = append(h.referers, r.Referer())
	h.cookies = append(h.cookies, r.Header.Get("Cookie"))
	h.mu.Unlock()
	rw.Header().Set("Content-Type", "image/gif")
	_, _ = rw.Write([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
}

// requests lists the paths asked for, sorted, and resets the count.
func (h *hostileSite) requests() (paths, referers, cookies []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p, n := range h.hits {
		for range n {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	referers, cookies = h.referers, h.cookies
	h.hits, h.referers, h.cookies = map[string]int{}, nil, nil
	return paths, referers, cookies
}

// fidelityLetter is testdata/fidelity/letter.eml with its remote
// references, the SVG's included, pointed at host.
func fidelityLetter(t *testing.T, host string) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/fidelity/letter.eml")
	if err != nil {
		t.Fatal(err)
	}
	svg := `<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('http://HOSTILE/svg')"><image href="http://HOSTILE/svg-image.png"/></svg>`
	letter := strings.ReplaceAll(string(raw), "SVGDATA", base64.StdEncoding.EncodeToString([]byte(svg)))
	return strings.ReplaceAll(letter, "HOSTILE", host)
}

// fidelityProbe reads, in the body's frame, the computed style behind
// each of the letter's eleven style features, and what the hostile part
// left: positioned elements, and whether anything ran.
const fidelityProbe = `new Promise(done => {
	const frame = document.querySelector("iframe.mail-frame");
	const probe = () => {
		const doc = frame.contentDocument;
		const find = (tag, text) => [...doc.querySelectorAll(tag)].find(e => e.textContent.includes(text));
		const cs = (tag, text) => { const e = find(tag, text); return e ? getComputedStyle(e) : {}; };
		const logo = doc.querySelector('img[alt="Gemeente Voorbeeld"]');
		const features = {
			"inline colour": cs("span", "Met vriendelijke groet").color === "rgb(31, 73, 125)",
			"font size": cs("span", "Uw aanvraag voor").fontSize === "18.6667px",
			"style block (p.MsoNormal)": parseFloat(cs("p", "Geachte heer").marginBottom) < 0.01 && cs("p", "Geachte heer").fontFamily.startsWith("Calibri"),
			"right-aligned date": cs("p", "Amsterdam, 14 maart").textAlign === "right",
			"coloured warning": cs("p", "Let op").color === "rgb(192, 0, 0)",
			"bold warning": cs("p", "Let op").fontWeight === "700",
			"table border": cs("td", "Parkeervergunning 2025").borderLeftStyle === "solid" && cs("table", "Omschrijving").borderCollapse === "collapse",
			"shaded header": cs("td", "Omschrijving").backgroundColor === "rgb(217, 226, 243)",
			"cell padding": cs("td", "Bedrag").paddingLeft === "7.2px",
			"link colour": cs("a", "www.example.nl").color === "rgb(5, 99, 193)",
			"cid: logo": !!logo && logo.complete && logo.naturalWidth === 1 && logo.width === 120 && logo.height === 40,
		};
		const positioned = [...doc.querySelectorAll("*")].map(e => [e, getComputedStyle(e)])
			.filter(([e, s]) => !["static", "relative"].includes(s.position) || (s.position === "relative" && (s.top !== "auto" || s.left !== "auto")))
			.map(([e, s]) => e.tagName + " " + s.position);
		const subject = document.querySelector("h1.subject").getBoundingClientRect();
		const onTop = document.elementFromPoint(subject.left + 2, subject.top + 2);
		const rect = frame.getBoundingClientRect(), section = frame.parentElement.getBoundingClientRect();
		done(JSON.stringify({features, positioned, pwned: window.pwned === 1 || !!doc.querySelector("script"),
			chromeCovered: !onTop || onTop.closest("h1") === null,
			frameInside: rect.top >= section.top && rect.bottom <= section.bottom + 1}));
	};
	const doc = frame.contentDocument;
	if (doc && doc.readyState === "complete" && doc.URL !== "about:blank") probe();
	else frame.addEventListener("load", probe);
})`

type fidelityResult struct {
	Features      map[string]bool
	Positioned    []string
	Pwned         bool
	ChromeCovered bool
	FrameInside   bool
}

// TestBrowserMailFidelity sends a styled Outlook-like letter with a
// hostile part through the real parser and delivery to a verified
// recipient, and reads the rendered body in chromium: at least ten of
// the letter's eleven style features are kept; nothing of the hostile
// part loads from the web, runs, or covers the page; "Show images" loads
// the one remote image and nothing else, without Referer or cookies.
func TestBrowserMailFidelity(t *testing.T) {
	ctx := browserContext(t)
	hostile := &hostileSite{hits: map[string]int{}}
	hostileSrv := httptest.NewServer(hostile)
	t.Cleanup(hostileSrv.Close)
	// Another host than the portal's 127.0.0.1, so that cookies could not
	// even match by host.
	host := strings.Replace(strings.TrimPrefix(hostileSrv.URL, "http://"), "127.0.0.1", "localhost", 1)

	hook := &webhookTexts{texts: map[string]string{}}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	gateway, err := sms.NewWebhook(hookSrv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	re := newRecipientEnv(t, gateway)
	re.w.AddPhone(t, "patient@example.com", "+31612345678")
	_, rs := re.w.Submit(t, fidelityLetter(t, host), "patient@example.com")
	w := &walk{t: t, ctx: ctx, base: re.srv.URL, axe: axeSource(t), seen: map[string]bool{}}
	link := w.base + re.w.Path(rs[0])
	w.run("landing", chromedp.Navigate(link), chromedp.WaitVisible(css("#send")), chromedp.Click(css("#send")),
		chromedp.WaitVisible(css("#code")))
	w.run("code", chromedp.SetValue(css("#code"), hook.code(t, rs[0].Phone)), chromedp.Submit(css("#code")),
		chromedp.WaitVisible(css("iframe.mail-frame")))

	got := eval[string](w, "probing the body", fidelityProbe)
	var res fidelityResult
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	kept := 0
	for name, ok := range res.Features {
		if ok {
			kept++
		} else {
			t.Logf("style feature lost: %s", name)
		}
	}
	t.Logf("style features kept: %d of %d", kept, len(res.Features))
	if len(res.Features) != 11 || kept < 10 {
		t.Errorf("kept %d of %d style features: %v", kept, len(res.Features), res.Features)
	}
	if len(res.Positioned) > 0 || res.ChromeCovered || !res.FrameInside {
		t.Errorf("positioned %v, page chrome covered %v, frame inside its section %v", res.Positioned, res.ChromeCovered, res.FrameInside)
	}
	if res.Pwned {
		t.Error("the hostile part ran script")
	}
	if paths, _, _ := hostile.requests(); len(paths) > 0 {
		t.Errorf("with images held back, the browser asked the web for %v", paths)
	}
	w.checkA11y("message")

	w.run("show images", chromedp.Click(css(`.images-blocked a`)), chromedp.WaitVisible(css("iframe.mail-frame")))
	if got := eval[string](w, "probing the body with images", fidelityProbe); strings.Contains(got, `"pwned":true`) {
		t.Errorf("with images shown, the hostile part ran script: %s", got)
	}
	paths, referers, cookies := hostile.requests()
	if fmt.Sprint(paths) != "[/pixel.gif]" {
		t.Errorf("with images shown, the browser asked the web for %v; want the one image", paths)
	}
	for i := range referers {
		if referers[i] != "" || cookies[i] != "" {
			t.Errorf("a remote image was asked for with Referer %q, cookies %q", referers[i], cookies[i])
		}
	}
}
