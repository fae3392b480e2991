package portal

import (
	"net/url"
	"strings"
	"unicode"
)

// homePath is where a signed-in user lands when there is nowhere safe to
// return to.
const homePath = "/messages"

// safeNext keeps a path on this site to return to after sign-in; anything
// else becomes the sent messages page.
//
// Browsers are lenient with what a Location header holds: they drop tabs
// and newlines anywhere, trim leading and trailing spaces and control
// characters, and read a backslash as a slash, so "/\t/evil.test" and
// "/\\evil.test" both mean "//evil.test", another site. The check is
// therefore made on the target as a browser would read it, and that form
// is what is returned: the redirect never carries what was checked away.
func safeNext(next string) string {
	if len(next) > 512 {
		return homePath
	}
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		if r == '\\' {
			return '/'
		}
		return r
	}, next)
	clean = strings.TrimSpace(clean)
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return homePath
	}
	u, err := url.Parse(clean)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return homePath
	}
	// Resolve dot segments as the browser would, and check again.
	site := &url.URL{Scheme: "https", Host: "sluis.invalid"}
	r := site.ResolveReference(u)
	if r.Host != site.Host || !strings.HasPrefix(r.EscapedPath(), "/") || strings.HasPrefix(r.EscapedPath(), "//") {
		return homePath
	}
	if r.Path == "/signin" || strings.HasPrefix(r.Path, "/signin/") {
		return homePath
	}
	return r.RequestURI()
}
