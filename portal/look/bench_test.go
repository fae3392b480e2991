package look

import (
	"fmt"
	"strings"
	"testing"
)

// bigLogo is an SVG near the 200 KB limit: a traced logo of many paths.
func bigLogo() []byte {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 1000 1000"><style>.a{fill:#1d5e8c}</style><g inkscape:label="trace">`)
	for i := 0; b.Len() < MaxLogoBytes-200; i++ {
		fmt.Fprintf(&b, `<path class="a" d="M%d %d L%d %d C%d %d %d %d %d %dZ" stroke-width="1.5"/>`, i%997, i%991, i%983, i%977, i%971, i%967, i%953, i%947, i%941, i%937)
	}
	b.WriteString(`</g></svg>`)
	return []byte(b.String())
}

// BenchmarkCheckLogo measures an upload's check: a 200 KB SVG rebuilt
// from the allowlist, beside a PNG header check, side by side.
func BenchmarkCheckLogo(b *testing.B) {
	svg := bigLogo()
	b.Run("svg-200KB", func(b *testing.B) {
		b.SetBytes(int64(len(svg)))
		for b.Loop() {
			if _, err := SanitizeSVG(svg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("accent", func(b *testing.B) {
		for b.Loop() {
			if _, errs := Check(Change{Accent: "#1d5e8c"}); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
}

// BenchmarkSafeCSS compares, in one run, the check of a path's attribute
// with and without the fast path that skips the regular expression when
// no character that could load anything is present.
func BenchmarkSafeCSS(b *testing.B) {
	d := "M12 34 L56 78 C90 12 34 56 78 90Z"
	b.Run("regexp-only", func(b *testing.B) {
		for b.Loop() {
			if loads.MatchString(d) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("fast-path", func(b *testing.B) {
		for b.Loop() {
			if !safeCSS(d) {
				b.Fatal("refused")
			}
		}
	})
}
