package portal

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// active matches anything in sanitized HTML that could run, load or
// navigate on its own.
var active = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<\s*(script|style|iframe|frame|frameset|object|embed|applet|form|input|button|textarea|select|meta|base|link|svg|math|video|audio|source|template|noscript|plaintext)\b`),
	regexp.MustCompile(`(?i)\son[a-z]+\s*=`),
	regexp.MustCompile(`(?i)(javascript|vbscript|data)\s*:`),
	regexp.MustCompile(`(?i)expression\s*\(`),
	regexp.MustCompile(`(?i)\s(style|srcset|poster|background|formaction|action|autofocus)\s*=`),
	regexp.MustCompile(`(?i)evil\.example`),
	regexp.MustCompile(`(?i)href="(?:cid:|relative)`),
}

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
			out := string(sanitizeMail(string(src), map[string]string{"logo@x": "/m/t/inline/0"}, show).HTML)
			for _, re := range active {
				if m := re.FindString(out); m != "" {
					t.Errorf("%s (images %v): %q left in\n%s", filepath.Base(file), show, m, out)
				}
			}
		}
	}
}

func TestRemoteImagesBlockedUnlessAsked(t *testing.T) {
	src, err := os.ReadFile("testdata/hostile/images.html")
	if err != nil {
		t.Fatal(err)
	}
	blocked := sanitizeMail(string(src), nil, false)
	if blocked.Blocked != 2 || strings.Contains(string(blocked.HTML), "tracker.example") {
		t.Errorf("blocked %d images:\n%s", blocked.Blocked, blocked.HTML)
	}
	shown := sanitizeMail(string(src), nil, true)
	if shown.Blocked != 0 || !strings.Contains(string(shown.HTML), `src="https://tracker.example/open.gif?id=42"`) {
		t.Errorf("shown:\n%s", shown.HTML)
	}
}

func TestCidImagesPointAtTheSession(t *testing.T) {
	out := sanitizeMail(`<p><img src="cid:logo@zkh" alt="Logo"><img src="CID:&lt;other@zkh&gt;" alt="o"></p>`,
		map[string]string{"logo@zkh": "/m/tok/inline/1"}, false)
	if !strings.Contains(string(out.HTML), `<img src="/m/tok/inline/1" alt="Logo">`) || strings.Contains(string(out.HTML), "other@zkh") {
		t.Errorf("got %s", out.HTML)
	}
}

func TestLinksOpenSafely(t *testing.T) {
	out := string(sanitizeMail(`<a href="https://zkh.example/info">info</a>`, nil, false).HTML)
	for _, want := range []string{`nofollow`, `noreferrer`, `target="_blank"`} {
		if !strings.Contains(out, want) {
			t.Errorf("link %s lacks %s", out, want)
		}
	}
}

func TestTextBodyKeepsLinesAndLinks(t *testing.T) {
	got := string(textToHTML("Beste <Jan>,\n\nZie https://zkh.example/a?b=1&c=2.\nGroet\n"))
	want := "Beste &lt;Jan&gt;,\n\nZie <a href=\"https://zkh.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">" +
		"https://zkh.example/a?b=1&amp;c=2</a>.\nGroet\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if out := string(textToHTML(`javascript:alert(1) http://x.example/"onmouseover=alert(1)`)); strings.Contains(out, `"onmouseover`) {
		t.Errorf("quote broke out: %s", out)
	}
}

func TestContentDisposition(t *testing.T) {
	cases := map[string]string{
		"report.pdf":                `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		`uitslag röntgen "def".pdf`: `attachment; filename="uitslag r_ntgen _def_.pdf"; filename*=UTF-8''uitslag%20r%C3%B6ntgen%20%22def%22.pdf`,
		"../../etc/passwd":          `attachment; filename="passwd"; filename*=UTF-8''passwd`,
		"a\r\nSet-Cookie: x.txt":    `attachment; filename="aSet-Cookie: x.txt"; filename*=UTF-8''aSet-Cookie%3A%20x.txt`,
		"":                          `attachment; filename="file"; filename*=UTF-8''file`,
	}
	for name, want := range cases {
		if got := contentDisposition("attachment", name); got != want {
			t.Errorf("%q:\n got  %s\n want %s", name, got, want)
		}
	}
}
