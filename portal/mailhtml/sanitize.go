package mailhtml

import (
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// policy is the sanitizer; bluemonday policies are safe for concurrent
// use once built.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

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
func Sanitize(body string, opt Options) Body {
	clean := policy.Sanitize(body)
	var out strings.Builder
	out.Grow(len(clean))
	z := html.NewTokenizer(strings.NewReader(clean))
	blocked := 0
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
		tok.Attr, blocked = rewriteAttrs(tok.Data, tok.Attr, opt, blocked)
		if tok.Data == "img" {
			tok.Attr = withAlt(tok.Attr)
		}
		out.WriteString(tok.String())
	}
	// The sanitizer's output is well-formed and the pass above only
	// removes or replaces attributes with the caller's URLs.
	return Body{HTML: template.HTML(out.String()), Blocked: blocked} //nolint:gosec // sanitized above
}

// loadingAttrs are attributes that make a browser fetch something.
var loadingAttrs = map[string]bool{"srcset": true, "poster": true, "background": true, "lowsrc": true, "dynsrc": true, "longdesc": true}

func rewriteAttrs(tag string, attrs []html.Attribute, opt Options, blocked int) ([]html.Attribute, int) {
	out := attrs[:0]
	for _, a := range attrs {
		key := strings.ToLower(a.Key)
		switch {
		case loadingAttrs[key]:
			continue
		case key == "href" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "cid:"):
			continue
		case key == "src" && tag != "img":
			continue
		case key == "src":
			src, ok := imageSource(a.Val, opt)
			if !ok {
				blocked += remote(a.Val)
				continue
			}
			a.Val = src
		}
		out = append(out, a)
	}
	return out, blocked
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
	}
	return "", false
}

// withAlt gives an image without a text alternative an empty one: screen
// readers then skip it rather than read out its address, and a blocked
// image (no src left) is not announced as a picture. The page says above
// the body how many images were not loaded.
func withAlt(attrs []html.Attribute) []html.Attribute {
	for _, a := range attrs {
		if strings.EqualFold(a.Key, "alt") {
			return attrs
		}
	}
	return append(attrs, html.Attribute{Key: "alt", Val: ""})
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
