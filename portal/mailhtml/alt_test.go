package mailhtml

import (
	"strings"
	"testing"
)

// TestImagesHaveAnAlternative: a blocked remote image and an image without
// alt get alt="" (axe-core's image-alt rule); an alt the sender wrote stays.
func TestImagesHaveAnAlternative(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<p><img src="https://tracker.test/p.gif"></p>`, `<img alt="">`},
		{`<p><img src="https://x.test/logo.png" alt="Logo of X"></p>`, `<img alt="Logo of X">`},
		{`<p><img src="cid:one" width="10"></p>`, `alt=""`},
	} {
		got := string(Sanitize(tc.in, Options{Inline: map[string]string{"one": "/m/t/inline/1"}}).HTML)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %s, want it to contain %s", tc.in, got, tc.want)
		}
	}
}
