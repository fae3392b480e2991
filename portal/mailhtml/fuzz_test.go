package mailhtml

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzFilterStyle: whatever comes in, what comes out is safe, canonical
// (a fixed point), and kept unchanged by a policy with AllowSafeStyles.
func FuzzFilterStyle(f *testing.F) {
	for _, c := range hostileStyles {
		f.Add(c.in)
	}
	for _, s := range []string{
		`margin:0cm;margin-bottom:.0001pt;font-size:11.0pt;font-family:"Calibri",sans-serif`,
		`border:solid windowtext 1.0pt;border-top:none;padding:0cm 5.4pt 0cm 5.4pt`,
		`font:italic bold 12px/30px Georgia,serif;color:hsl(120deg 50% 50% / .5)`,
		`font-family:'Segoe UI', Times New Roman, "ＭＳ 明朝";text-decoration:underline dotted #f00`,
		`color:r\65 d;display:bl\6f ck;width:1e2px;height:+.5em`,
	} {
		f.Add(s)
	}
	p := testPolicy()
	f.Fuzz(func(t *testing.T, in string) {
		out := FilterStyle(in)
		assertSafeStyle(t, out)
		if out == "" {
			return
		}
		if got := styleOf(t, p.Sanitize(`<p style="`+html.EscapeString(out)+`">x</p>`)); got != out {
			t.Fatalf("the policy changed a canonical style\n got %q\nwant %q", got, out)
		}
	})
}

// FuzzInlineStyles: InlineStyles either refuses with one of its errors or
// returns a document with no style element and only safe, canonical style
// attributes, which the policy then keeps as they are.
func FuzzInlineStyles(f *testing.F) {
	raw, err := os.ReadFile("testdata/letter.html")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(raw))
	for _, d := range hostileDocs {
		f.Add(d)
	}
	for _, d := range []string{
		`<style>#i{color:blue} .c{color:green !important} p{color:red}</style><p id=i class=c style="color:black">x</p>`,
		`<style>div > p + p ~ p:first-child, a:link, [lang|=en] .x{margin:0}</style><div><p>a</p><p>b</p></div>`,
		`<style>@media screen{p{color:red}} @media print{p{color:blue}} @import "x";</style><p>x</p>`,
		`<style>p{color:red</style><p style="font: 12px/1.5 serif">x`,
	} {
		f.Add(d)
	}
	p := testPolicy()
	f.Fuzz(func(t *testing.T, doc string) {
		out, err := InlineStyles(doc)
		if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooComplex) {
			return
		}
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		assertInlined(t, out)
		clean := p.Sanitize(out)
		if strings.Contains(strings.ToLower(clean), "<style") {
			t.Fatalf("a style element survived: %q", clean)
		}
		assertInlined(t, clean)
	})
}
