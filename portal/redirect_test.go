package portal

import "testing"

// TestSafeNext: only a path that stays on this site, as a browser reads
// it, survives; everything else goes home.
func TestSafeNext(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/messages/abc", "/messages/abc"},
		{"/drafts/x?tab=1", "/drafts/x?tab=1"},
		{"/a/../b", "/b"},
		{"", homePath},
		{"messages", homePath},
		{"https://evil.test/", homePath},
		{"//evil.test/phish", homePath},
		{"/\\evil.test", homePath},
		{"\\\\evil.test", homePath},
		{"/\t/evil.test/phish", homePath},
		{"/\n/evil.test", homePath},
		{"/\r\n/evil.test", homePath},
		{" //evil.test", homePath},
		{"\x00//evil.test", homePath},
		{"/\x0b/evil.test", homePath},
		{"/\u0085/evil.test", homePath},
		{"/%09/evil.test", "/%09/evil.test"}, // stays an encoded path segment on this site
		{"/signin", homePath},
		{"/signin/code", homePath},
		{"javascript:alert(1)", homePath},
		{"/" + string(make([]byte, 600)), homePath},
	}
	for _, c := range cases {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
