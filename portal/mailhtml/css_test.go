package mailhtml

import (
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"
	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/net/html"
)

func TestFilterStyleKeeps(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"outlook paragraph", `margin:0cm;margin-bottom:.0001pt;font-size:11.0pt;font-family:"Calibri",sans-serif;mso-fareast-language:EN-US`,
			`margin: 0cm; margin-bottom: 0.0001pt; font-size: 11pt; font-family: "Calibri", sans-serif`},
		{"outlook cell", `width:225.0pt;border:solid windowtext 1.0pt;border-top:none;mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt`,
			`width: 225pt; border: solid windowtext 1pt; border-top: none; padding: 0cm 5.4pt 0cm 5.4pt`},
		{"hex colours", `color:#1F497D; background-color:#FFF; border-color:#aabbccdd`, `color: #1f497d; background-color: #fff; border-color: #aabbccdd`},
		{"colour functions", `color:rgb(255,0,0);background-color:rgba(0, 0, 0, .5);border-color:hsl(120deg 50% 50% / 0.5)`,
			`color: rgb(255, 0, 0); background-color: rgba(0, 0, 0, 0.5); border-color: hsl(120deg 50% 50% / 0.5)`},
		{"colour keywords", `color:WindowText;background:yellow`, `color: windowtext; background: yellow`},
		{"background without image", `background:#D9E2F3 none no-repeat left top`, `background: #d9e2f3 none no-repeat left top`},
		{"font shorthand", `font:italic bold 12px/30px Georgia,serif`, `font: italic bold 12px / 30px "Georgia", serif`},
		{"family names", `font-family:'Segoe UI', Times New Roman, "ＭＳ 明朝", monospace`,
			`font-family: "Segoe UI", "Times New Roman", "ＭＳ 明朝", monospace`},
		{"font details", `font-weight:700;font-style:italic;font-variant:small-caps;line-height:115%;font-size:larger`,
			`font-weight: 700; font-style: italic; font-variant: small-caps; line-height: 115%; font-size: larger`},
		{"text", `text-align:right;text-decoration:underline dotted #f00;text-transform:uppercase;text-indent:-18.0pt;letter-spacing:-.1pt;white-space:nowrap;direction:rtl`,
			`text-align: right; text-decoration: underline dotted #f00; text-transform: uppercase; text-indent: -18pt; letter-spacing: -0.1pt; white-space: nowrap; direction: rtl`},
		{"box", `margin:0 auto;padding:1em 2%;border-radius:4px;width:100%;max-width:600px;height:auto;display:inline-block;float:right;clear:both`,
			`margin: 0 auto; padding: 1em 2%; border-radius: 4px; width: 100%; max-width: 600px; height: auto; display: inline-block; float: right; clear: both`},
		{"border sides", `border-left:3px double rgb(0,0,255);border-bottom-width:thin;border-top-style:dashed;border-right-color:red`,
			`border-left: 3px double rgb(0, 0, 255); border-bottom-width: thin; border-top-style: dashed; border-right-color: red`},
		{"display table", `display:table-cell;vertical-align:top`, `display: table-cell; vertical-align: top`},
		{"lists", `list-style:square inside;list-style-type:lower-roman;list-style-position:outside`,
			`list-style: square inside; list-style-type: lower-roman; list-style-position: outside`},
		{"tables", `border-collapse:collapse;border-spacing:2px 4px;table-layout:fixed;vertical-align:-2px`,
			`border-collapse: collapse; border-spacing: 2px 4px; table-layout: fixed; vertical-align: -2px`},
		{"static and relative", `position:relative`, `position: relative`},
		{"important dropped", `color:red !important`, `color: red`},
		{"escapes decoded", `display:bl\6f ck;color:r\65 d`, `display: block; color: red`},
		{"case folded", `COLOR:RED;Font-Weight:BOLD`, `color: red; font-weight: bold`},
		{"comments removed", `color:/* x */red;/* y */width:1px`, `color: red; width: 1px`},
		{"bad declaration skipped", `color:red;;;width:;height:10px;junk;x:y:z;font-size:9pt`, `color: red; height: 10px; font-size: 9pt`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := FilterStyle(c.in)
			if got != c.want {
				t.Fatalf("FilterStyle(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			if again := FilterStyle(got); again != got {
				t.Fatalf("not a fixed point: %q → %q", got, again)
			}
		})
	}
}

// hostileStyles are declaration lists a mail could use to overlay the page,
// load something or run something. want is what must remain (often nothing).
var hostileStyles = []struct{ name, in, want string }{
	{"fixed overlay", `position:fixed;top:0;left:0;width:100%;height:100%;z-index:2147483647;background:white`, `width: 100%; height: 100%; background: white`},
	{"absolute", `position:absolute;bottom:0;right:0`, ``},
	{"sticky", `position:sticky;position:-webkit-sticky`, ``},
	{"z-index", `z-index:10`, ``},
	{"negative margins", `margin-top:-1000px;margin:-20px 0;margin-left:-5.4pt;color:red`, `color: red`},
	{"url background", `background:url(https://evil.example/t.png) red`, ``},
	{"url image", `background-image:url("https://evil.example/t.png")`, ``},
	{"url list image", `list-style:url(https://evil.example/b.png) disc;list-style-image:url(x)`, ``},
	{"url cursor and content", `cursor:url(x.cur),auto;content:url(x);border-image:url(x) 30`, ``},
	{"url in colour slot", `color:url(https://evil.example/c)`, ``},
	{"escaped url", `background:\75\72\6c(https://evil.example/t.png)`, ``},
	{"escaped url mid-word", `background:u\72l(https://evil.example/t.png)`, ``},
	{"escaped url in a string family", `font-family:"\75rl(x)"`, ``},
	{"uppercase url", `background:URL(https://evil.example/t.png)`, ``},
	{"url with spaces", `background: url(  https://evil.example/t.png  )`, ``},
	{"image-set", `background-image:image-set("x.png" 1x)`, ``},
	{"gradient", `background:linear-gradient(red,blue)`, ``},
	{"expression", `width:expression(alert(1));color:expression(alert(2))`, ``},
	{"escaped expression", `width:e\78 pression(alert(1))`, ``},
	{"behavior", `behavior:url(x.htc);-ms-behavior:url(x.htc)`, ``},
	{"binding", `-moz-binding:url(https://evil.example/x.xml#xss)`, ``},
	{"import in a style attribute", `@import url(https://evil.example/x.css);color:red`, `color: red`},
	{"font-face in a style attribute", `@font-face{src:url(https://evil.example/f.woff)}color:red`, ``},
	{"animation", `animation:spin 1s infinite;transition:all 1s;@keyframes spin{}`, ``},
	{"calc and var", `width:calc(100% + 10000px);color:var(--x);width:attr(data-w)`, ``},
	{"style break-out", `color:red</style><script>alert(1)</script>`, ``},
	{"style break-out in a string", `font-family:"</style><script>alert(1)</script>"`, ``},
	{"html in a family", `font-family:"a<b>"`, ``},
	{"huge sizes", `width:100000px;height:1e9px;font-size:500px;padding:10000px;border:900px solid red`, ``},
	{"viewport units", `width:100vw;height:100vh`, ``},
	{"filters and opacity", `filter:progid:DXImageTransform.Microsoft.Alpha(opacity=0);opacity:0;-ms-filter:"x"`, ``},
	{"offsets", `top:-500px;left:-500px;inset:0;transform:translate(-100px,-100px)`, ``},
	{"custom properties", `--x:url(y);color:var(--x)`, ``},
	{"unclosed string eats the rest", `color:red;font-family:"abc;width:1px`, `color: red`},
	{"bad url token", `background:url(a"b);color:red`, `color: red`},
	{"nul byte", "color:r\x00ed;width:1px", `width: 1px`},
}

func TestFilterStyleDrops(t *testing.T) {
	for _, c := range hostileStyles {
		t.Run(c.name, func(t *testing.T) {
			got := FilterStyle(c.in)
			if got != c.want {
				t.Fatalf("FilterStyle(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			assertSafeStyle(t, got)
		})
	}
}

func TestPropertyIDs(t *testing.T) {
	// styleSet's slots are int8 and indexed by id.
	if len(properties) >= 128 || len(propertyIDs) != len(properties) {
		t.Fatalf("%d properties, %d ids", len(properties), len(propertyIDs))
	}
	seen := map[uint8]bool{}
	for name, id := range propertyIDs {
		if seen[id] || int(id) >= len(properties) {
			t.Fatalf("id %d of %s is repeated or out of range", id, name)
		}
		seen[id] = true
	}
}

func TestFilterStyleTooLong(t *testing.T) {
	in := strings.Repeat("color:red;", maxStyleLen/10+1)
	if got := FilterStyle(in); got != "" {
		t.Fatalf("an over-long style kept %d bytes", len(got))
	}
}

// testPolicy is the kind of policy the read path builds: bluemonday's
// user-content policy with our styles (and data attributes, which the
// tests use to find elements).
func testPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowDataAttributes()
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	AllowSafeStyles(p)
	return p
}

func TestAllowSafeStylesKeepsCanonicalStyles(t *testing.T) {
	p := testPolicy()
	for _, c := range []string{
		`margin: 0cm; margin-bottom: 0.0001pt; font-size: 11pt; font-family: "Calibri", sans-serif`,
		`font: italic bold 12px / 30px "Georgia", serif; color: hsl(120deg 50% 50% / 0.5)`,
		`font-family: "Segoe UI", "Times New Roman", "ＭＳ 明朝", monospace; text-indent: -18pt`,
		`border: solid windowtext 1pt; border-top: none; padding: 0cm 5.4pt 0cm 5.4pt; background: #d9e2f3`,
		`border-collapse: collapse; border-spacing: 2px 4px; vertical-align: top; display: table-cell`,
	} {
		got := styleOf(t, p.Sanitize(`<p style="`+html.EscapeString(c)+`">x</p>`))
		if got != c {
			t.Errorf("the policy changed a canonical style\n got %q\nwant %q", got, c)
		}
	}
}

// The policy must hold even when a caller forgets InlineStyles and hands
// it the mail's own text: its handler sees the value lower-cased with hex
// escapes decoded, and bluemonday writes the original back.
func TestAllowSafeStylesRefusesRawHostileStyles(t *testing.T) {
	p := testPolicy()
	for _, c := range hostileStyles {
		t.Run(c.name, func(t *testing.T) {
			out := p.Sanitize(`<p style="` + html.EscapeString(c.in) + `">x</p>`)
			low := strings.ToLower(out)
			for _, bad := range []string{"url", "expression", "behavior", "binding", "z-index", "position: fixed",
				"position: absolute", "position:", "-1000px", "-20px", "<script", "import", "calc", "var(", "vw", "vh"} {
				if strings.Contains(low, bad) {
					t.Fatalf("policy kept %q: %s", bad, out)
				}
			}
		})
	}
	// Vendor prefixes are stripped before bluemonday looks a property up;
	// the prefixed copy is held to the unprefixed rule.
	out := p.Sanitize(`<p style="-webkit-position: fixed; mso-margin-top: -50px; -moz-border-radius: 4px">x</p>`)
	if got := styleOf(t, out); got != "-moz-border-radius: 4px" {
		t.Fatalf("prefixed properties: %q", got)
	}
	// A comment or a backslash left after bluemonday's decoding is refused
	// even around a safe value. Hex escapes reach the handler decoded and
	// go out as written: "r\65 d" is red to a browser too, and "1px\9"
	// (decoded to a tab the handler never sees) is a unit no browser knows.
	out = p.Sanitize(`<p style="color: red /* x */; color: \red; width: 1px\9; color: r\65 d">x</p>`)
	if got := styleOf(t, out); got != `width: 1px\9; color: r\65 d` {
		t.Fatalf("comments and escapes: %q", got)
	}
}

// styleOf returns the style attribute of the first element that has one.
func styleOf(t *testing.T, doc string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range z.Token().Attr {
				if a.Key == "style" {
					return a.Val
				}
			}
		}
	}
}

// assertSafeStyle checks a style attribute as a browser would read it:
// only allowlisted properties, no function but the colour ones, no URL,
// no escape, no at-rule, and FilterStyle's canonical text.
func assertSafeStyle(t testing.TB, s string) {
	t.Helper()
	if again := FilterStyle(s); again != s {
		t.Fatalf("style is not canonical: %q → %q", s, again)
	}
	if strings.ContainsAny(s, `\<>@!{}`) {
		t.Fatalf("style holds a forbidden character: %q", s)
	}
	for _, tok := range lexCSS(s) {
		switch tok.tt {
		case css.URLToken, css.BadURLToken, css.AtKeywordToken, css.CommentToken, css.BadStringToken, css.CDOToken, css.CDCToken:
			t.Fatalf("style holds a %s token: %q", tok.tt, s)
		case css.FunctionToken:
			if !colorFunctions[strings.TrimSuffix(tok.data, "(")] {
				t.Fatalf("style calls %s: %q", tok.data, s)
			}
		}
	}
	for _, d := range parseDeclarations(lexCSS(s)) {
		if _, ok := properties[d.prop]; !ok {
			t.Fatalf("property %q is not on the allowlist: %q", d.prop, s)
		}
		if d.prop == "position" && d.value != "static" && d.value != "relative" {
			t.Fatalf("position %q: %q", d.value, s)
		}
		if strings.HasPrefix(d.prop, "margin") && strings.Contains(d.value, "-") {
			t.Fatalf("negative margin: %q", s)
		}
	}
}
