package mailhtml

import (
	"encoding/base64"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// Version names what Sanitize keeps and drops. A body kept sanitized by
// an older version is sanitized again before it is shown, so raising it
// is how a change of the allowlists reaches stored messages.
const Version = 2

// policy is the sanitizer of bodies whose style blocks InlineStyles
// applied: it keeps their style attributes, which are FilterStyle's
// canonical text and are checked to be so again after it. plainPolicy is
// the one for bodies InlineStyles refused, whose raw style attributes it
// drops. bluemonday policies are safe for concurrent use once built.
var policy, plainPolicy = newPolicy(true), newPolicy(false)

func newPolicy(styles bool) *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool { return dataImage("data:" + u.Opaque) })
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	if styles {
		// Kept as written, then held to FilterStyle by the image pass
		// (rewriteAttrs): bluemonday's own style check tokenizes with a
		// regexp scanner that costs twenty times the rest of the work.
		p.AllowAttrs("style").Globally()
	}
	return p
}

// maxDataImage bounds an image written into the body as a data: URL.
const maxDataImage = 1 << 20

// dataImageTypes are the types a data: image may have: raster images a
// browser decodes without running anything (never SVG, which can carry
// script and load other things).
var dataImageTypes = []string{"data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,", "data:image/webp;base64,"}

// dataImage reports whether src is a base64 data: URL of a raster image
// within maxDataImage.
func dataImage(src string) bool {
	if len(src) > maxDataImage {
		return false
	}
	for _, prefix := range dataImageTypes {
		if len(src) > len(prefix) && strings.EqualFold(src[:len(prefix)], prefix) {
			payload := src[len(prefix):]
			if strings.ContainsAny(payload, " \t\r\n") {
				return false
			}
			_, err := base64.StdEncoding.DecodeString(payload)
			return err == nil
		}
	}
	return false
}

// Options say how a body is shown.
type Options struct {
	// Inline maps the Content-IDs of the message's inline images to the
	// URLs they are served at; a cid: image not in it is dropped.
	Inline map[string]string
	// RemoteImages keeps http(s) images: the reader asked to see them.
	RemoteImages bool
}

// Body is a sanitized HTML body and what was held back.
type Body struct {
	HTML    template.HTML
	Blocked int // remote images not loaded
}

// Sanitize cleans an HTML body for showing (see the package comment).
// The mail's style blocks are applied first (InlineStyles) and its safe
// CSS kept; a body whose styles are too large or costly to apply is
// shown without any of its CSS.
func Sanitize(body string, opt Options) Body {
	p := policy
	styled, err := InlineStyles(body)
	if err != nil {
		styled, p = body, plainPolicy
	}
	clean := p.Sanitize(styled)
	var out strings.Builder
	out.Grow(len(clean))
	z := html.NewTokenizer(strings.NewReader(clean))
	blocked := 0
	styles := map[string]bool{} // style attributes checked: a letter repeats a few many times
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(z.Raw())
			continue
		}
		tok := z.Token()
		tok.Attr, blocked = rewriteAttrs(tok.Data, tok.Attr, opt, styles, blocked)
		out.WriteString(tok.String())
	}
	// The sanitizer's output is well-formed and the pass above only
	// removes or replaces attributes with the caller's URLs.
	return Body{HTML: template.HTML(out.String()), Blocked: blocked} //nolint:gosec // sanitized above
}

// loadingAttrs are attributes that make a browser fetch something.
var loadingAttrs = map[string]bool{"srcset": true, "poster": true, "background": true, "lowsrc": true, "dynsrc": true, "longdesc": true}

func rewriteAttrs(tag string, attrs []html.Attribute, opt Options, styles map[string]bool, blocked int) ([]html.Attribute, int) {
	out := attrs[:0]
	alt, web := false, false
	for _, a := range attrs {
		key := strings.ToLower(a.Key)
		switch {
		case loadingAttrs[key]:
			continue
		case key == "href" && !linkTarget(a.Val):
			continue
		case key == "src" && tag != "img":
			continue
		case key == "src":
			src, ok := imageSource(a.Val, opt)
			if !ok {
				blocked += remote(a.Val)
				continue
			}
			a.Val, web = src, remote(src) == 1
		case key == "alt":
			alt = true
		case key == "referrerpolicy":
			continue
		case key == "style" && !canonicalStyle(a.Val, styles):
			continue // not the allowlist's canonical text: not written by InlineStyles
		}
		out = append(out, a)
	}
	if tag != "img" {
		return out, blocked
	}
	// An image, shown or held back, has a text alternative: the mail's,
	// else an empty one (the page says how many images were held back).
	if !alt {
		out = append(out, html.Attribute{Key: "alt"})
	}
	if web {
		out = append(out, html.Attribute{Key: "referrerpolicy", Val: "no-referrer"})
	}
	return out, blocked
}

// canonicalStyle reports whether a style attribute is FilterStyle's
// canonical text, remembering the answer in checked.
func canonicalStyle(v string, checked map[string]bool) bool {
	ok, seen := checked[v]
	if !seen {
		ok = FilterStyle(v) == v
		checked[v] = ok
	}
	return ok
}

// linkTarget reports whether a link may keep its href: cid: and data:
// URLs name parts of the mail, not places to go.
func linkTarget(href string) bool {
	v := strings.ToLower(strings.TrimSpace(href))
	return !strings.HasPrefix(v, "cid:") && !strings.HasPrefix(v, "data:")
}

// imageSource decides where an image may load from.
func imageSource(src string, opt Options) (string, bool) {
	v := strings.TrimSpace(src)
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		u, ok := opt.Inline[strings.Trim(v[4:], "<>")]
		return u, ok
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		return v, opt.RemoteImages
	case strings.HasPrefix(lower, "data:"):
		return v, dataImage(v)
	}
	return "", false
}

func remote(src string) int {
	lower := strings.ToLower(strings.TrimSpace(src))
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return 1
	}
	return 0
}

// linkPattern finds web addresses in plain text.
var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// Text escapes a plain-text body and makes its web addresses clickable;
// line breaks are kept by the page's CSS (white-space: pre-wrap).
func Text(body string) template.HTML {
	var b strings.Builder
	b.Grow(len(body) + len(body)/8)
	last := 0
	for _, m := range linkPattern.FindAllStringIndex(body, -1) {
		start, end := m[0], m[1]
		end -= len(body[start:end]) - len(strings.TrimRight(body[start:end], ".,;:!?)]}'"))
		b.WriteString(template.HTMLEscapeString(body[last:start]))
		u := template.HTMLEscapeString(body[start:end])
		b.WriteString(`<a href="` + u + `" rel="noopener noreferrer nofollow" target="_blank">` + u + `</a>`)
		last = end
	}
	b.WriteString(template.HTMLEscapeString(body[last:]))
	return template.HTML(b.String()) //nolint:gosec // every piece escaped above
}
