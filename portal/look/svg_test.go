package look

import (
	"bytes"
	"image"
	"image/png"
	"regexp"
	"strings"
	"testing"
)

// TestSanitizeSVGDropsWhatRuns feeds the ways an SVG can run script or
// load something and checks none survives, while the drawing does.
func TestSanitizeSVGDropsWhatRuns(t *testing.T) {
	in := `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" onload="alert(1)" inkscape:version="1">
<script>alert(2)</script>
<style>@import url(https://evil.test/x.css); .a{fill:red}</style>
<style>.b{fill:#0b5cad}</style>
<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(3)</script></div></foreignObject>
<a href="javascript:alert(4)"><rect class="b" x="1" y="1" width="8" height="8" onclick="alert(5)"/></a>
<image href="https://tracker.test/p.png" width="1" height="1"/>
<use xlink:href="https://evil.test/s.svg#x"/>
<use href="#keep"/>
<circle id="keep" cx="5" cy="5" r="2" fill="url(https://evil.test/g)" style="fill:url(#grad)"/>
<rect style="background:url('//evil.test/x')" width="1" height="1"/>
<animate attributeName="href" to="javascript:alert(6)"/>
<set attributeName="onload" to="alert(7)"/>
<path d="M0 0L10 10" ONMOUSEOVER="alert(8)"/>
</svg>`
	out, err := SanitizeSVG([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, bad := range []string{"alert", "script", "foreignObject", "evil.test", "tracker.test", "onload", "onclick",
		"inkscape", "@import", "animate", "<set", "javascript", "ONMOUSEOVER", "background"} {
		if strings.Contains(strings.ToLower(got), strings.ToLower(bad)) {
			t.Errorf("%q survived:\n%s", bad, got)
		}
	}
	for _, good := range []string{`<svg xmlns="http://www.w3.org/2000/svg"`, `viewBox="0 0 10 10"`, `<rect class="b"`,
		`<style>.b{fill:#0b5cad}</style>`, `<use href="#keep">`, `style="fill:url(#grad)"`, `<path d="M0 0L10 10">`} {
		if !strings.Contains(got, good) {
			t.Errorf("%q is missing:\n%s", good, got)
		}
	}
	if _, err := SanitizeSVG(out); err != nil {
		t.Errorf("the output does not read back: %v", err)
	}
}

// TestSanitizeSVGRefuses: not XML, not SVG, entities, nesting without end.
func TestSanitizeSVGRefuses(t *testing.T) {
	deep := strings.Repeat("<g>", 100) + strings.Repeat("</g>", 100)
	for name, in := range map[string]string{
		"html":     `<html><body>hi</body></html>`,
		"png":      "\x89PNG\r\n\x1a\n",
		"entities": `<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`,
		"broken":   `<svg xmlns="http://www.w3.org/2000/svg"><g></svg>`,
		"deep":     `<svg xmlns="http://www.w3.org/2000/svg">` + deep + `</svg>`,
		"empty":    ``,
	} {
		if out, err := SanitizeSVG([]byte(in)); err == nil {
			t.Errorf("%s: accepted as %q", name, out)
		}
	}
}

// TestCheckLogoPNG accepts a real PNG and refuses a truncated one.
func TestCheckLogoPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 40, 20))); err != nil {
		t.Fatal(err)
	}
	c, errs := Check(Change{Logo: buf.Bytes()})
	if len(errs) != 0 || c.LogoType != PNG || !bytes.Equal(c.Logo, buf.Bytes()) {
		t.Errorf("a real PNG: %+v", errs)
	}
	if _, errs := Check(Change{Logo: buf.Bytes()[:12]}); len(errs) != 1 || errs[0].Key != "logo_bad_png" {
		t.Errorf("a truncated PNG: %+v", errs)
	}
}

// onAttr finds an event attribute in the output.
var onAttr = regexp.MustCompile(`<[^>]*\son[a-z]+="`)

func FuzzSanitizeSVG(f *testing.F) {
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x</script><rect onclick="x"/></svg>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := SanitizeSVG(in)
		if err != nil {
			return
		}
		low := strings.ToLower(string(out))
		if _, err := SanitizeSVG(out); err != nil {
			t.Fatalf("output does not read back: %v\n%s", err, out)
		}
		if strings.Contains(low, "<script") || strings.Contains(low, "<foreignobject") || strings.Contains(low, " on") && strings.Contains(low, "=\"") && onAttr.MatchString(low) {
			t.Fatalf("script survived: %s", out)
		}
	})
}
