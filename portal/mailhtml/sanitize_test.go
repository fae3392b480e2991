package mailhtml

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// active matches anything in sanitized HTML that could run, load or
// navigate on its own.
var active = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<\s*(script|style|iframe|frame|frameset|object|embed|applet|form|input|button|textarea|select|meta|base|link|svg|math|video|audio|source|template|noscript|plaintext)\b`),
	regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
	regexp.MustCompile(`(?i)(javascript|vbscript|data)\s*:`),
	regexp.MustCompile(`(?i)expression\s*\(`),
	regexp.MustCompile(`(?i)\s(srcset|poster|background|formaction|action|autofocus)\s*=`),
	regexp.MustCompile(`(?i)evil\.example`),
	regexp.MustCompile(`(?i)href="(?:cid:|relative)`),
}

// inline is the one inline part the corpus' cid: images may point at.
var inline = map[string]string{"logo@x": "/m/t/inline/0"}

// TestHostileMailCorpus renders every file of testdata/hostile with remote
// images both blocked and shown: nothing active may remain either way.
func TestHostileMailCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/hostile/*.html")
	if err != nil || len(files) < 8 {
		t.Fatalf("corpus: %v files, %v", len(files), err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, show := range []bool{false, true} {
			out := string(Sanitize(string(src), Options{Inline: inline, RemoteImages: show}).HTML)
			for _, re := range active {
				if m := re.FindString(out); m != "" {
					t.Errorf("%s (images %v): %q left in\n%s", filepath.Base(file), show, m, out)
				}
			}
			if problem := unsafeMarkup(t, out, show); problem != "" {
				t.Errorf("%s (images %v): %s in\n%s", filepath.Base(file), show, problem, out)
			}
		}
	}
}

func TestRemoteImagesBlockedUnlessAsked(t *testing.T) {
	src, err := os.ReadFile("testdata/hostile/images.html")
	if err != nil {
		t.Fatal(err)
	}
	blocked := Sanitize(string(src), Options{})
	if blocked.Blocked != 2 || strings.Contains(string(blocked.HTML), "tracker.example") {
		t.Errorf("blocked %d images:\n%s", blocked.Blocked, blocked.HTML)
	}
	shown := Sanitize(string(src), Options{RemoteImages: true})
	if shown.Blocked != 0 || !strings.Contains(string(shown.HTML), `src="https://tracker.example/open.gif?id=42"`) {
		t.Errorf("shown:\n%s", shown.HTML)
	}
}

func TestCidImagesPointAtTheSession(t *testing.T) {
	out := Sanitize(`<p><img src="cid:logo@zkh" alt="Logo"><img src="CID:&lt;other@zkh&gt;" alt="o"></p>`,
		Options{Inline: map[string]string{"logo@zkh": "/m/tok/inline/1"}})
	if !strings.Contains(string(out.HTML), `<img src="/m/tok/inline/1" alt="Logo">`) || strings.Contains(string(out.HTML), "other@zkh") {
		t.Errorf("got %s", out.HTML)
	}
}

func TestLinksOpenSafely(t *testing.T) {
	out := string(Sanitize(`<a href="https://zkh.example/info">info</a>`, Options{}).HTML)
	for _, want := range []string{`nofollow`, `noreferrer`, `target="_blank"`} {
		if !strings.Contains(out, want) {
			t.Errorf("link %s lacks %s", out, want)
		}
	}
}

func TestTextBodyKeepsLinesAndLinks(t *testing.T) {
	got := string(Text("Beste <Jan>,\n\nZie https://zkh.example/a?b=1&c=2.\nGroet\n"))
	want := "Beste &lt;Jan&gt;,\n\nZie <a href=\"https://zkh.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">" +
		"https://zkh.example/a?b=1&amp;c=2</a>.\nGroet\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if out := string(Text(`javascript:alert(1) http://x.example/"onmouseover=alert(1)`)); strings.Contains(out, `"onmouseover`) {
		t.Errorf("quote broke out: %s", out)
	}
}

// forbidden are elements that must never come out of Sanitize.
var forbidden = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true, "embed": true,
	"applet": true, "form": true, "input": true, "button": true, "textarea": true, "select": true, "meta": true,
	"base": true, "link": true, "svg": true, "math": true, "video": true, "audio": true, "source": true,
	"template": true, "noscript": true, "plaintext": true,
}

// FuzzSanitize feeds arbitrary bodies (seeded with the hostile corpus) to
// both renderings and reads the output as a browser's tokenizer would:
// no forbidden element, no event handler or loading attribute, images
// only from the inline parts (or, when asked, http and https), links only
// to http, https and mailto. Text's output may hold only its own links.
// Run it longer with: go test -fuzz FuzzSanitize ./portal/mailhtml
func FuzzSanitize(f *testing.F) {
	files, err := filepath.Glob("testdata/hostile/*.html")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add(`<img src="cid:logo@x"><a href="#top">x</a><a href="mailto:a@b.example">m</a> https://x.example/"a`)
	f.Fuzz(func(t *testing.T, body string) {
		for _, show := range []bool{false, true} {
			out := string(Sanitize(body, Options{Inline: inline, RemoteImages: show}).HTML)
			if problem := unsafeMarkup(t, out, show); problem != "" {
				t.Fatalf("images %v: %s in\n%s", show, problem, out)
			}
		}
		if problem := unsafeText(string(Text(body))); problem != "" {
			t.Fatalf("text: %s", problem)
		}
	})
}

// unsafeMarkup names the first thing in out that Sanitize must not let
// through, "" when there is none; a style attribute that is not safe and
// canonical fails t.
func unsafeMarkup(t testing.TB, out string, remoteImages bool) string {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if forbidden[tok.Data] {
			return "element " + tok.Data
		}
		for _, a := range tok.Attr {
			if strings.EqualFold(a.Key, "style") {
				assertSafeStyle(t, a.Val)
				continue
			}
			if p := unsafeAttr(a, remoteImages); p != "" {
				return tok.Data + " " + p
			}
		}
	}
}

func unsafeAttr(a html.Attribute, remoteImages bool) string {
	key, scheme := strings.ToLower(a.Key), schemeOf(a.Val)
	web := scheme == "https" || scheme == "http"
	switch {
	case strings.HasPrefix(key, "on"), loadingAttrs[key], key == "formaction", key == "action":
		return "attribute " + key
	case key == "src" && a.Val != inline["logo@x"] && !(remoteImages && web) && !dataImage(a.Val):
		return "image source " + a.Val
	case key == "href" && !web && scheme != "mailto":
		return "link " + a.Val
	}
	return ""
}

// schemeOf is the scheme a browser would see in a URL, "" for a relative
// one: it drops tabs and line breaks anywhere and control characters and
// spaces around, as the URL standard does, then reads up to the colon.
func schemeOf(raw string) string {
	v := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, raw)
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	colon := strings.IndexByte(v, ':')
	if colon <= 0 {
		return ""
	}
	for i, r := range v[:colon] {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return ""
		}
	}
	return strings.ToLower(v[:colon])
}

// unsafeText names the first element of Text's output that is not one of
// its own http(s) links.
func unsafeText(out string) string {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ""
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data != "a" || len(tok.Attr) != 3 || tok.Attr[0].Key != "href" {
			return "element " + tok.String()
		}
		if s := schemeOf(tok.Attr[0].Val); s != "https" && s != "http" {
			return "link " + tok.Attr[0].Val
		}
	}
}
