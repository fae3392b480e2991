package portal

import (
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// Mail bodies are untrusted: anyone can mail a sender, and the sender's
// mail is shown here on our origin. Defence in three layers:
//
//  1. bluemonday's user-content policy keeps only inert markup: no
//     script, style, form, meta, base, object, svg or event handler; link
//     targets only http, https and mailto (cid for images).
//  2. A second pass rewrites every image: cid: images point at this
//     session's inline parts, remote images are dropped unless the person
//     asked to see them, and anything else that could load is removed.
//  3. The page's CSP forbids scripts without our nonce, inline styles,
//     and (unless images were asked for) any remote load.

// mailPolicy is the sanitizer; bluemonday policies are safe for concurrent
// use once built.
var mailPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// renderedBody is a sanitized HTML body and what was held back.
type renderedBody struct {
	HTML    template.HTML
	Blocked int // remote images not loaded
}

// sanitizeMail cleans an HTML body. cid maps Content-IDs to URLs of
// inline parts; remote images stay only when showImages.
func sanitizeMail(body string, cid map[string]string, showImages bool) renderedBody {
	clean := mailPolicy.Sanitize(body)
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
		tok.Attr, blocked = rewriteAttrs(tok.Data, tok.Attr, cid, showImages, blocked)
		out.WriteString(tok.String())
	}
	// The sanitizer's output is well-formed and the pass above only
	// removes or replaces attributes with our own URLs.
	return renderedBody{HTML: template.HTML(out.String()), Blocked: blocked} //nolint:gosec // sanitized above
}

// loadingAttrs are attributes that make a browser fetch something.
var loadingAttrs = map[string]bool{"srcset": true, "poster": true, "background": true, "lowsrc": true, "dynsrc": true, "longdesc": true}

func rewriteAttrs(tag string, attrs []html.Attribute, cid map[string]string, showImages bool, blocked int) ([]html.Attribute, int) {
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
			src, ok := imageSource(a.Val, cid, showImages)
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
func imageSource(src string, cid map[string]string, showImages bool) (string, bool) {
	v := strings.TrimSpace(src)
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		u, ok := cid[strings.Trim(v[4:], "<>")]
		return u, ok
	case strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://"):
		return v, showImages
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

// textToHTML escapes a plain-text body and makes its web addresses
// clickable; line breaks are kept by the page's CSS (white-space: pre-wrap).
func textToHTML(body string) template.HTML {
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
