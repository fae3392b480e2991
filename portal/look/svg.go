package look

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
)

const (
	nsSVG   = "http://www.w3.org/2000/svg"
	nsXLink = "http://www.w3.org/1999/xlink"
	nsXML   = "http://www.w3.org/XML/1998/namespace"
)

// maxDepth keeps a hostile file from nesting without end.
const maxDepth = 64

// drawing are the SVG elements a logo keeps. Anything else is dropped with
// what it holds (script, foreignObject, image, filters, animation…), apart
// from the harmless wrappers in unwrap, whose content stays.
var drawing = map[string]bool{
	"svg": true, "g": true, "path": true, "rect": true, "circle": true, "ellipse": true,
	"line": true, "polyline": true, "polygon": true, "text": true, "tspan": true,
	"defs": true, "linearGradient": true, "radialGradient": true, "stop": true,
	"clipPath": true, "mask": true, "pattern": true, "use": true, "symbol": true,
	"title": true, "desc": true, "style": true,
}

var unwrap = map[string]bool{"a": true, "switch": true}

// errNotSVG means the file is not a well-formed SVG document.
var errNotSVG = errors.New("not an SVG document")

// SanitizeSVG rebuilds an SVG logo from the allowlist above: no script,
// no foreignObject, no event attribute, no reference outside the file, no
// style that loads anything. A file that is not well-formed XML with an
// <svg> root, or that declares a DOCTYPE (entities), is refused.
func SanitizeSVG(in []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(in))
	d.Strict = true
	var out bytes.Buffer
	var open []frame
	skipping, root := 0, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errNotSVG
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errNotSVG // a DOCTYPE can declare entities
		case xml.StartElement:
			if !root && (t.Name.Local != "svg" || (t.Name.Space != nsSVG && t.Name.Space != "")) {
				return nil, errNotSVG
			}
			if len(open) >= maxDepth {
				return nil, errNotSVG
			}
			f := skipped
			switch {
			case skipping > 0:
			case keep(t.Name) && t.Name.Local == "style":
				safeStyleElement(d, &out) // reads up to and with its end
				continue
			case keep(t.Name):
				writeStart(&out, t, !root)
				f = written
			case unwrap[t.Name.Local]:
				f = unwrapped
			}
			if f == skipped {
				skipping++
			}
			root = true
			open = append(open, f)
		case xml.EndElement:
			if len(open) == 0 {
				return nil, errNotSVG
			}
			f := open[len(open)-1]
			open = open[:len(open)-1]
			switch f {
			case written:
				out.WriteString("</" + t.Name.Local + ">")
			case skipped:
				skipping--
			}
		case xml.CharData:
			if skipping == 0 && root {
				_ = xml.EscapeText(&out, t)
			}
		}
	}
	if !root || len(open) != 0 {
		return nil, errNotSVG
	}
	return out.Bytes(), nil
}

// frame is what became of an open element.
type frame int

const (
	written   frame = iota // kept, with its end tag to write
	unwrapped              // dropped, its content kept
	skipped                // dropped with its content
)

func keep(n xml.Name) bool {
	return (n.Space == nsSVG || n.Space == "") && drawing[n.Local]
}

// writeStart writes an element with the attributes it may keep; the root
// gets the two namespaces the output uses.
func writeStart(out *bytes.Buffer, t xml.StartElement, isRoot bool) {
	out.WriteString("<" + t.Name.Local)
	if isRoot {
		out.WriteString(` xmlns="` + nsSVG + `" xmlns:xlink="` + nsXLink + `"`)
	}
	for _, a := range t.Attr {
		name, ok := attrName(a)
		if !ok {
			continue
		}
		out.WriteString(" " + name + `="`)
		_ = xml.EscapeText(out, []byte(a.Value))
		out.WriteString(`"`)
	}
	out.WriteString(">")
}

// attrName decides whether an attribute stays, and under which name.
func attrName(a xml.Attr) (string, bool) {
	local := a.Name.Local
	lower := strings.ToLower(local)
	switch {
	case a.Name.Space == "xmlns" || (a.Name.Space == "" && local == "xmlns"):
		return "", false // the root declares what the output uses
	case strings.HasPrefix(lower, "on"):
		return "", false // event attributes run script
	case lower == "href" && (a.Name.Space == "" || a.Name.Space == nsXLink):
		if !strings.HasPrefix(strings.TrimSpace(a.Value), "#") {
			return "", false // only references inside the file
		}
		if a.Name.Space == nsXLink {
			return "xlink:href", true
		}
		return "href", true
	case a.Name.Space == nsXML && local == "space":
		return "xml:space", true
	case a.Name.Space != "":
		return "", false // editors' metadata (inkscape:, sodipodi:), xml:base
	case !safeCSS(a.Value):
		return "", false
	}
	return local, true
}

// loads finds what CSS could use to fetch or run something.
var loads = regexp.MustCompile(`(?i)@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding|url\s*\(\s*['"]?\s*[^'"#\s)]`)

// safeCSS reports whether a style (or any attribute value, which SVG may
// read as CSS: fill="url(…)") loads nothing: url() only to "#id".
func safeCSS(s string) bool {
	if !strings.ContainsAny(s, "(@:\\") {
		return true // nothing loads without one of these: the common case of a path
	}
	return !loads.MatchString(s) && !strings.Contains(s, `\`)
}

// safeStyleElement reads a <style> element's text; if it loads nothing it
// writes the element whole, otherwise nothing. Either way the decoder
// stands after the element's end.
func safeStyleElement(d *xml.Decoder, out *bytes.Buffer) {
	var css bytes.Buffer
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			return // the caller's next Token reports it
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 1 {
				css.Write(t)
			}
		}
	}
	if !safeCSS(css.String()) {
		return
	}
	out.WriteString("<style>")
	_ = xml.EscapeText(out, css.Bytes())
	out.WriteString("</style>")
}
