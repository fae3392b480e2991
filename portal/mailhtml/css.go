// Package mailhtml owns what of a mail's HTML may reach a reader's screen.
// This file keeps the safe part of the mail's CSS: FilterStyle reduces a
// declaration list to an allowlist and writes it anew from tokens, and
// AllowSafeStyles teaches a bluemonday policy the same allowlist.
package mailhtml

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// maxStyleLen bounds one declaration list; a longer style attribute is
// dropped whole rather than trimmed, so no half of it can surprise.
const maxStyleLen = 16 << 10

// FilterStyle keeps the declarations of a CSS declaration list (the value
// of a style attribute) whose property and value are on the allowlist, and
// returns them written anew from tokens as "prop: value; prop: value".
// The input's text never reaches the output: values are rebuilt from
// lower-cased keywords, numbers, units, hex colours and quoted font names,
// so comments, escapes, "!important" and anything a browser could read as
// a URL, expression or a way out of the attribute cannot survive.
//
// The allowlist (lengths are bounded in px-equivalents, % where noted):
//
//   - colour: color, background-color, border-color, border-{top,right,
//     bottom,left}-color — #hex, rgb()/rgba()/hsl()/hsla() with numbers,
//     or a colour keyword (letters only)
//   - background: a colour, repeat/attachment/position keywords and
//     lengths; never an image, url() or gradient
//   - font: font (shorthand), font-family (quoted names of letters, digits,
//     space, - _ .), font-size (≤ 200px, ≤ 500%, size keywords),
//     font-weight, font-style, font-variant, line-height (≤ 10, ≤ 400px)
//   - text: text-align, text-decoration (lines, style, colour),
//     text-transform, text-indent (−100px…400px), letter-spacing and
//     word-spacing (−10px…50px), white-space, direction
//   - box: margin and padding with sides (0…400px, ≤ 50%, margin auto; a
//     negative margin drops the declaration), border with sides, widths
//     (≤ 20px), styles and colours, border-radius (≤ 400px), width,
//     min-width, max-width (≤ 2000px, ≤ 100%), height, min-height,
//     max-height (≤ 4000px, ≤ 100%), display (block, inline, inline-block,
//     list-item, table and table-*, none), float, clear, position (static
//     or relative only; top/left/right/bottom are not allowed at all)
//   - lists: list-style (type and position, never an image),
//     list-style-type, list-style-position
//   - tables: border-collapse, border-spacing (≤ 100px), table-layout,
//     vertical-align (keywords, −50px…50px)
//
// Everything else is dropped: z-index, other positions, url() anywhere,
// functions other than the colour ones (expression, calc, var, attr…),
// behavior, -moz-binding and every vendor or mso- property, at-rules,
// animations and transitions, anything unparseable.
func FilterStyle(decls string) string {
	if len(decls) > maxStyleLen {
		return ""
	}
	var b strings.Builder
	for _, d := range parseDeclarations(lexCSS(decls)) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.prop)
		b.WriteString(": ")
		b.WriteString(d.value)
	}
	return b.String()
}

// AllowSafeStyles makes p keep the style attributes FilterStyle keeps, on
// every element, and drop all other declarations.
//
// bluemonday only asks a yes or no per declaration and then writes the
// original text back; the handler sees the value lower-cased with hex
// escapes decoded, and the property with any vendor prefix stripped. So
// the handler refuses a value holding a comment or a backslash that
// survived decoding; a decoded escape is what the browser decodes too
// (an escaped whitespace, which the handler never sees, can only make the
// browser read an identifier it does not know and ignore the
// declaration). A vendor-prefixed copy of an allowed property is held to
// the same value rules.
//
// Run InlineStyles (or FilterStyle on every style attribute) before the
// policy: bluemonday tokenizes style attributes with gorilla/css, whose
// regexp scanner is super-linear on hostile input (a style attribute of
// 8 KB of "url(" costs it seconds), while the canonical text written by
// this package is cheap for it.
func AllowSafeStyles(p *bluemonday.Policy) {
	for name, judge := range properties {
		p.AllowStyles(name).MatchingHandler(func(value string) bool {
			if len(value) > maxStyleLen || strings.ContainsRune(value, '\\') {
				return false
			}
			toks := lexCSS(value)
			for _, t := range toks {
				if t.tt == css.CommentToken {
					return false
				}
			}
			_, ok := filterValue(judge, trimSpace(toks))
			return ok
		}).Globally()
	}
}

// cssToken is one CSS token; data is a slice of the lexed string.
type cssToken struct {
	tt   css.TokenType
	data string
}

// lexCSS splits s into CSS tokens (CSS Syntax Level 3, which is what browsers
// follow). Comments are kept so callers can refuse them; every other
// consumer skips them.
func lexCSS(s string) []cssToken {
	l := css.NewLexer(parse.NewInputString(s))
	toks := make([]cssToken, 0, len(s)/4+1)
	off := 0
	for {
		tt, data := l.Next()
		if tt == css.ErrorToken || len(data) == 0 || off+len(data) > len(s) {
			return toks
		}
		// The lexer hands out consecutive pieces of its input, so the
		// token is also s[off:off+len(data)]: no copy per token.
		toks = append(toks, cssToken{tt, s[off : off+len(data)]})
		off += len(data)
	}
}

// declaration is one kept declaration with its value in canonical form;
// id is the property's number in propertyIDs.
type declaration struct {
	prop, value string
	id          uint8
	important   bool
}

// parseDeclarations reads a declaration list (CSS Syntax §5.4.5) and
// returns the allowed declarations, in order, with canonical values.
func parseDeclarations(toks []cssToken) []declaration {
	var out []declaration
	for len(toks) > 0 {
		end := scanTo(toks, 0, css.SemicolonToken)
		if d, ok := parseDeclaration(toks[:end]); ok {
			out = append(out, d)
		}
		if end == len(toks) {
			break
		}
		toks = toks[end+1:]
	}
	return out
}

// parseDeclaration reads "name : value [!important]" and filters it.
func parseDeclaration(toks []cssToken) (declaration, bool) {
	toks = trimSpace(toks)
	if len(toks) < 3 || toks[0].tt != css.IdentToken {
		return declaration{}, false
	}
	prop := asciiLower(unescape(toks[0].data))
	judge, ok := properties[prop]
	if !ok {
		return declaration{}, false
	}
	rest := trimSpace(toks[1:])
	if len(rest) == 0 || rest[0].tt != css.ColonToken {
		return declaration{}, false
	}
	value, important := cutImportant(trimSpace(rest[1:]))
	v, ok := filterValue(judge, value)
	if !ok {
		return declaration{}, false
	}
	return declaration{prop: prop, value: v, id: propertyIDs[prop], important: important}, true
}

// cutImportant removes a trailing "!important" and reports it.
func cutImportant(toks []cssToken) ([]cssToken, bool) {
	n := len(toks)
	if n < 2 || toks[n-1].tt != css.IdentToken || asciiLower(unescape(toks[n-1].data)) != "important" {
		return toks, false
	}
	rest := trimSpace(toks[:n-1])
	if len(rest) == 0 || rest[len(rest)-1].tt != css.DelimToken || rest[len(rest)-1].data != "!" {
		return toks, false
	}
	return trimSpace(rest[:len(rest)-1]), true
}

// filterValue turns a value's tokens into components and lets the
// property's rule judge them; the rule writes the canonical text.
func filterValue(judge valueRule, toks []cssToken) (string, bool) {
	cs, ok := components(toks)
	if !ok || len(cs) == 0 {
		return "", false
	}
	return judge(cs)
}

// scanTo returns the index of the first token of type stop (or also, if
// given, stop2) at nesting depth zero, or len(toks). Blocks and functions
// nest as in CSS Syntax §5.4.7: only the matching closer ends them.
func scanTo(toks []cssToken, from int, stop css.TokenType, stop2 ...css.TokenType) int {
	var open []css.TokenType
	for i := from; i < len(toks); i++ {
		tt := toks[i].tt
		if len(open) == 0 && (tt == stop || (len(stop2) > 0 && tt == stop2[0])) {
			return i
		}
		switch tt {
		case css.LeftParenthesisToken, css.FunctionToken:
			open = append(open, css.RightParenthesisToken)
		case css.LeftBracketToken:
			open = append(open, css.RightBracketToken)
		case css.LeftBraceToken:
			open = append(open, css.RightBraceToken)
		case css.RightParenthesisToken, css.RightBracketToken, css.RightBraceToken:
			if len(open) > 0 && open[len(open)-1] == tt {
				open = open[:len(open)-1]
			}
		}
	}
	return len(toks)
}

// trimSpace drops whitespace and comment tokens at both ends.
func trimSpace(toks []cssToken) []cssToken {
	for len(toks) > 0 && isBlank(toks[0].tt) {
		toks = toks[1:]
	}
	for len(toks) > 0 && isBlank(toks[len(toks)-1].tt) {
		toks = toks[:len(toks)-1]
	}
	return toks
}

func isBlank(tt css.TokenType) bool {
	return tt == css.WhitespaceToken || tt == css.CommentToken
}

// compKind is the shape of one component of a value.
type compKind uint8

const (
	kIdent compKind = iota
	kNumber
	kLength
	kPercent
	kAngle // only inside hsl()
	kColor
	kString
	kComma
	kSlash
)

// comp is one component of a value: text is its canonical form, key the
// lower-cased keyword, num the number (a length in px-equivalents).
type comp struct {
	kind compKind
	text string
	key  string
	num  float64
}

// maxComponents bounds one value; real ones have a handful.
const maxComponents = 32

// components reads a value's tokens. Any token outside the small set a
// kept value can be made of fails the whole value.
func components(toks []cssToken) ([]comp, bool) {
	var cs []comp
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		var c comp
		switch t.tt {
		case css.WhitespaceToken, css.CommentToken:
			continue
		case css.IdentToken:
			text := unescape(t.data)
			c = comp{kind: kIdent, text: text, key: asciiLower(text)}
		case css.NumberToken:
			v, ok := parseNumber(t.data)
			if !ok {
				return nil, false
			}
			c = comp{kind: kNumber, text: formatNum(v), num: v}
		case css.PercentageToken:
			v, ok := parseNumber(t.data[:len(t.data)-1])
			if !ok {
				return nil, false
			}
			c = comp{kind: kPercent, text: formatNum(v) + "%", num: v}
		case css.DimensionToken:
			var ok bool
			if c, ok = dimension(t.data); !ok {
				return nil, false
			}
		case css.HashToken:
			var ok bool
			if c, ok = hexColor(t.data); !ok {
				return nil, false
			}
		case css.FunctionToken:
			end := scanTo(toks, i+1, css.RightParenthesisToken)
			if end == len(toks) {
				return nil, false
			}
			var ok bool
			if c, ok = colorFunction(t.data, toks[i+1:end]); !ok {
				return nil, false
			}
			i = end
		case css.StringToken:
			var ok bool
			if c, ok = fontName(stringBody(t.data)); !ok {
				return nil, false
			}
		case css.CommaToken:
			c = comp{kind: kComma, text: ","}
		case css.DelimToken:
			if t.data != "/" {
				return nil, false
			}
			c = comp{kind: kSlash, text: "/"}
		default:
			return nil, false
		}
		if len(cs) == maxComponents {
			return nil, false
		}
		cs = append(cs, c)
	}
	return cs, true
}

// parseNumber parses a CSS number; NaN, infinities and absurd sizes fail.
func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.Abs(v) > 1e6 {
		return 0, false
	}
	return v, true
}

// formatNum writes a number with at most four decimals, so an output's
// length is bounded whatever digits came in.
func formatNum(v float64) string {
	v = math.Round(v*1e4) / 1e4
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// pxPer converts the absolute and font-relative units we accept into
// px-equivalents, only to bound sizes; the output keeps the sender's unit.
// Viewport units are left out: the mail is not the page.
var pxPer = map[string]float64{
	"px": 1, "pt": 4.0 / 3, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
	"em": 16, "rem": 16, "ex": 8, "ch": 8,
}

// dimension reads a number with a unit (tdewolff lexes "-5.4pt" whole).
func dimension(s string) (comp, bool) {
	n := numberPrefix(s)
	v, ok := parseNumber(s[:n])
	if !ok {
		return comp{}, false
	}
	unit := asciiLower(unescape(s[n:]))
	if unit == "deg" {
		return comp{kind: kAngle, text: formatNum(v) + "deg", num: v}, true
	}
	f, ok := pxPer[unit]
	if !ok {
		return comp{}, false
	}
	return comp{kind: kLength, text: formatNum(v) + unit, key: unit, num: v * f}, true
}

// numberPrefix returns the length of the number at the start of a
// dimension token, following the lexer's own rule.
func numberPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

// hexColor accepts #rgb, #rgba, #rrggbb and #rrggbbaa, nothing escaped.
func hexColor(s string) (comp, bool) {
	h := s[1:]
	switch len(h) {
	case 3, 4, 6, 8:
	default:
		return comp{}, false
	}
	for i := 0; i < len(h); i++ {
		if !isHex(h[i]) {
			return comp{}, false
		}
	}
	return comp{kind: kColor, text: "#" + asciiLower(h)}, true
}

// colorFunctions are the only functions a kept value may call.
var colorFunctions = map[string]bool{"rgb": true, "rgba": true, "hsl": true, "hsla": true}

// colorFunction accepts rgb()/rgba()/hsl()/hsla() with three or four
// plain numeric arguments and writes it anew.
func colorFunction(name string, args []cssToken) (comp, bool) {
	fn := asciiLower(unescape(strings.TrimSuffix(name, "(")))
	if !colorFunctions[fn] {
		return comp{}, false
	}
	for _, t := range args {
		if t.tt == css.FunctionToken || t.tt == css.LeftParenthesisToken {
			return comp{}, false // no nesting: rgb(rgb(… must not cost more than once
		}
	}
	cs, ok := components(args)
	if !ok {
		return comp{}, false
	}
	var b strings.Builder
	b.WriteString(fn)
	b.WriteByte('(')
	n, afterArg := 0, false
	for _, c := range cs {
		switch {
		case (c.kind == kNumber || c.kind == kPercent || c.kind == kAngle) && math.Abs(c.num) <= 1000:
			if afterArg {
				b.WriteByte(' ')
			}
			b.WriteString(c.text)
			n, afterArg = n+1, true
		case c.kind == kComma && afterArg:
			b.WriteString(", ")
			afterArg = false
		case c.kind == kSlash && afterArg:
			b.WriteString(" / ")
			afterArg = false
		default:
			return comp{}, false
		}
	}
	if n < 3 || n > 4 || !afterArg {
		return comp{}, false
	}
	b.WriteByte(')')
	return comp{kind: kColor, text: b.String()}, true
}

// stringBody strips the quotes of a string token and decodes escapes.
func stringBody(s string) string {
	q := s[0]
	s = s[1:]
	if len(s) > 0 && s[len(s)-1] == q {
		s = s[:len(s)-1]
	}
	return unescape(s)
}

// fontName checks a font name's characters and quotes it. Letters,
// digits, marks, space, '-', '_' and '.' cover real font names and need
// no escaping inside double quotes.
func fontName(name string) (comp, bool) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return comp{}, false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && !strings.ContainsRune(" -_.", r) {
			return comp{}, false
		}
	}
	return comp{kind: kString, text: `"` + name + `"`}, true
}

// unescape decodes CSS escapes (CSS Syntax §4.3.7) in an identifier or a
// string's body, so that "u\72l" is judged as "url".
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			i++
			continue
		}
		i++
		switch {
		case i == len(s):
			b.WriteRune(utf8.RuneError)
		case isHex(s[i]):
			v, j := 0, i
			for j < len(s) && j-i < 6 && isHex(s[j]) {
				v = v*16 + hexVal(s[j])
				j++
			}
			if j < len(s) && s[j] == '\r' && j+1 < len(s) && s[j+1] == '\n' {
				j += 2
			} else if j < len(s) && isSpace(s[j]) {
				j++
			}
			if v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > unicode.MaxRune {
				v = utf8.RuneError
			}
			b.WriteRune(rune(v))
			i = j
		case s[i] == '\n' || s[i] == '\f':
			i++ // an escaped newline continues a string
		case s[i] == '\r':
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
		}
	}
	return b.String()
}

// asciiLower lower-cases ASCII letters only, as CSS keyword matching does.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' }

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// valueRule judges a value's components and writes its canonical text.
type valueRule func(cs []comp) (string, bool)

// properties is the allowlist: property name → rule for its value.
var properties = map[string]valueRule{
	"color":            one(isColor),
	"background-color": one(isColor),
	"background":       backgroundRule,

	"font":         fontRule,
	"font-family":  fontFamilyRule,
	"font-size":    lenFontSize.one(),
	"font-weight":  one(isFontWeight),
	"font-style":   one(keywords("normal", "italic", "oblique")),
	"font-variant": one(keywords("normal", "small-caps")),
	"line-height":  lenLineHeight.one(),

	"text-align":      one(keywords("left", "right", "center", "justify", "start", "end")),
	"text-decoration": textDecorationRule,
	"text-transform":  one(keywords("none", "capitalize", "uppercase", "lowercase")),
	"text-indent":     lenIndent.one(),
	"letter-spacing":  lenSpacing.one(),
	"word-spacing":    lenSpacing.one(),
	"white-space":     one(keywords("normal", "nowrap", "pre", "pre-wrap", "pre-line")),
	"direction":       one(keywords("ltr", "rtl")),

	"margin":         sides(lenMargin.accepts),
	"margin-top":     lenMargin.one(),
	"margin-right":   lenMargin.one(),
	"margin-bottom":  lenMargin.one(),
	"margin-left":    lenMargin.one(),
	"padding":        sides(lenPadding.accepts),
	"padding-top":    lenPadding.one(),
	"padding-right":  lenPadding.one(),
	"padding-bottom": lenPadding.one(),
	"padding-left":   lenPadding.one(),

	"border":              borderRule,
	"border-top":          borderRule,
	"border-right":        borderRule,
	"border-bottom":       borderRule,
	"border-left":         borderRule,
	"border-width":        sides(lenBorderWidth.accepts),
	"border-style":        sides(isBorderStyle),
	"border-color":        sides(isColor),
	"border-top-width":    lenBorderWidth.one(),
	"border-right-width":  lenBorderWidth.one(),
	"border-bottom-width": lenBorderWidth.one(),
	"border-left-width":   lenBorderWidth.one(),
	"border-top-style":    one(isBorderStyle),
	"border-right-style":  one(isBorderStyle),
	"border-bottom-style": one(isBorderStyle),
	"border-left-style":   one(isBorderStyle),
	"border-top-color":    one(isColor),
	"border-right-color":  one(isColor),
	"border-bottom-color": one(isColor),
	"border-left-color":   one(isColor),
	"border-radius":       sides(lenRadius.accepts),

	"width":      lenWidth.one(),
	"min-width":  lenWidth.one(),
	"max-width":  lenMaxWidth.one(),
	"height":     lenHeight.one(),
	"min-height": lenHeight.one(),
	"max-height": lenMaxHeight.one(),
	"display": one(keywords("block", "inline", "inline-block", "list-item", "none",
		"table", "inline-table", "table-row-group", "table-header-group", "table-footer-group",
		"table-row", "table-cell", "table-column-group", "table-column", "table-caption")),
	"float":    one(keywords("left", "right", "none")),
	"clear":    one(keywords("left", "right", "both", "none")),
	"position": one(keywords("static", "relative")),

	"list-style":          listStyleRule,
	"list-style-type":     one(isListType),
	"list-style-position": one(keywords("inside", "outside")),

	"border-collapse": one(keywords("collapse", "separate")),
	"border-spacing":  upTo(2, lenBorderSpacing.accepts),
	"table-layout":    one(keywords("auto", "fixed")),
	"vertical-align":  lenVerticalAlign.one(),
}

// propertyIDs numbers the allowlist (fewer than 128 properties), so the
// inliner can keep one slot per property and element.
var propertyIDs = func() map[string]uint8 {
	ids := make(map[string]uint8, len(properties))
	for i, name := range slices.Sorted(maps.Keys(properties)) {
		ids[name] = uint8(i)
	}
	return ids
}()

// span bounds a length in px-equivalents and, when maxPct > minPct, a
// percentage; maxNum > 0 admits a bare number up to it; words are the
// keywords accepted instead. A bare 0 is always a length.
type span struct {
	minPx, maxPx   float64
	minPct, maxPct float64
	maxNum         float64
	words          []string
}

var (
	lenFontSize = span{maxPx: 200, maxPct: 500, words: []string{
		"xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "smaller", "larger"}}
	lenLineHeight    = span{maxPx: 400, maxPct: 1000, maxNum: 10, words: []string{"normal"}}
	lenIndent        = span{minPx: -100, maxPx: 400, maxPct: 50}
	lenSpacing       = span{minPx: -10, maxPx: 50, words: []string{"normal"}}
	lenMargin        = span{maxPx: 400, maxPct: 50, words: []string{"auto"}}
	lenPadding       = span{maxPx: 400, maxPct: 50}
	lenBorderWidth   = span{maxPx: 20, words: []string{"thin", "medium", "thick"}}
	lenRadius        = span{maxPx: 400, maxPct: 50}
	lenWidth         = span{maxPx: 2000, maxPct: 100, words: []string{"auto"}}
	lenMaxWidth      = span{maxPx: 2000, maxPct: 100, words: []string{"none"}}
	lenHeight        = span{maxPx: 4000, maxPct: 100, words: []string{"auto"}}
	lenMaxHeight     = span{maxPx: 4000, maxPct: 100, words: []string{"none"}}
	lenBorderSpacing = span{maxPx: 100}
	lenBgPosition    = span{maxPx: 2000, maxPct: 100}
	lenVerticalAlign = span{minPx: -50, maxPx: 50, minPct: -100, maxPct: 100, words: []string{
		"baseline", "sub", "super", "text-top", "text-bottom", "middle", "top", "bottom"}}
)

func (s span) accepts(c comp) bool {
	switch c.kind {
	case kLength:
		return s.minPx <= c.num && c.num <= s.maxPx
	case kNumber:
		return c.num == 0 || (0 < c.num && c.num <= s.maxNum)
	case kPercent:
		return s.minPct < s.maxPct && s.minPct <= c.num && c.num <= s.maxPct
	case kIdent:
		return slices.Contains(s.words, c.key)
	}
	return false
}

func (s span) one() valueRule { return one(s.accepts) }

// one accepts a single component.
func one(ok func(comp) bool) valueRule {
	return upTo(1, ok)
}

// sides accepts one to four components, as margin and border-color take.
func sides(ok func(comp) bool) valueRule {
	return upTo(4, ok)
}

// upTo accepts one to n space-separated components, each passing ok.
func upTo(n int, ok func(comp) bool) valueRule {
	return func(cs []comp) (string, bool) {
		if len(cs) > n {
			return "", false
		}
		for _, c := range cs {
			if !ok(c) {
				return "", false
			}
		}
		return joinComps(cs), true
	}
}

// keywords accepts one of the given keywords.
func keywords(ws ...string) func(comp) bool {
	return func(c comp) bool {
		return c.kind == kIdent && slices.Contains(ws, c.key)
	}
}

// joinComps writes components canonically: keywords lower-cased, commas and
// slashes spaced as a browser would serialise them.
func joinComps(cs []comp) string {
	var b strings.Builder
	for i, c := range cs {
		switch {
		case c.kind == kComma:
			b.WriteString(",")
			continue
		case c.kind == kSlash:
			b.WriteString(" /")
			continue
		case i > 0:
			b.WriteByte(' ')
		}
		if c.kind == kIdent {
			b.WriteString(c.key)
		} else {
			b.WriteString(c.text)
		}
	}
	return b.String()
}

// isColor accepts a hex colour, a colour function, or a colour keyword:
// a bare word of letters cannot load or run anything, and keeping any
// such word keeps Outlook's "windowtext" and the CSS names alike.
func isColor(c comp) bool {
	switch c.kind {
	case kColor:
		return true
	case kIdent:
		if len(c.key) == 0 || len(c.key) > 32 {
			return false
		}
		for i := 0; i < len(c.key); i++ {
			if c.key[i] < 'a' || c.key[i] > 'z' {
				return false
			}
		}
		return true
	}
	return false
}

var isBorderStyle = keywords("none", "hidden", "dotted", "dashed", "solid", "double", "groove", "ridge", "inset", "outset")

var isListType = keywords("disc", "circle", "square", "decimal", "decimal-leading-zero", "lower-roman", "upper-roman",
	"lower-alpha", "upper-alpha", "lower-latin", "upper-latin", "lower-greek", "none")

func isFontWeight(c comp) bool {
	if c.kind == kNumber {
		return 1 <= c.num && c.num <= 1000
	}
	return keywords("normal", "bold", "bolder", "lighter")(c)
}

// borderRule is the shorthand: at most one width, one style and one colour.
func borderRule(cs []comp) (string, bool) {
	var width, style, color bool
	for _, c := range cs {
		var seen *bool
		switch {
		case isBorderStyle(c):
			seen = &style
		case lenBorderWidth.accepts(c):
			seen = &width
		case isColor(c):
			seen = &color
		default:
			return "", false
		}
		if *seen {
			return "", false
		}
		*seen = true
	}
	return joinComps(cs), true
}

// textDecorationRule takes lines (or none), a line style and a colour.
func textDecorationRule(cs []comp) (string, bool) {
	lines := keywords("underline", "overline", "line-through")
	lineStyle := keywords("solid", "double", "dotted", "dashed", "wavy")
	var none, style, color bool
	seenLines := map[string]bool{}
	for _, c := range cs {
		switch {
		case c.kind == kIdent && c.key == "none" && !none && len(seenLines) == 0:
			none = true
		case lines(c) && !none && !seenLines[c.key]:
			seenLines[c.key] = true
		case lineStyle(c) && !style:
			style = true
		case isColor(c) && !color:
			color = true
		default:
			return "", false
		}
	}
	return joinComps(cs), true
}

// listStyleRule takes a marker type and a position, never an image.
func listStyleRule(cs []comp) (string, bool) {
	var kind, pos bool
	for _, c := range cs {
		switch {
		case isListType(c) && !kind:
			kind = true
		case keywords("inside", "outside")(c) && !pos:
			pos = true
		default:
			return "", false
		}
	}
	return joinComps(cs), true
}

var bgWords = keywords("none", "repeat", "no-repeat", "repeat-x", "repeat-y", "scroll", "fixed", "local",
	"top", "bottom", "left", "right", "center")

// backgroundRule keeps a colour and the keywords and positions that go with
// no image; an image, gradient or url() fails at the component stage.
func backgroundRule(cs []comp) (string, bool) {
	if len(cs) > 8 {
		return "", false
	}
	var color bool
	for _, c := range cs {
		switch {
		case bgWords(c), lenBgPosition.accepts(c):
		case isColor(c) && !color:
			color = true
		default:
			return "", false
		}
	}
	return joinComps(cs), true
}

var genericFamilies = keywords("serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui")

// maxFamilies bounds a font-family list.
const maxFamilies = 16

// fontFamilyRule takes a comma-separated list of quoted names, runs of bare
// words (joined and quoted) and generic families (kept bare).
func fontFamilyRule(cs []comp) (string, bool) {
	var names []string
	for len(cs) > 0 {
		end := 0
		for end < len(cs) && cs[end].kind != kComma {
			end++
		}
		name, ok := familyName(cs[:end])
		if !ok || len(names) == maxFamilies {
			return "", false
		}
		names = append(names, name)
		if end == len(cs) {
			break
		}
		cs = cs[end+1:]
		if len(cs) == 0 {
			return "", false // a trailing comma
		}
	}
	if len(names) == 0 {
		return "", false
	}
	return strings.Join(names, ", "), true
}

func familyName(cs []comp) (string, bool) {
	switch {
	case len(cs) == 1 && cs[0].kind == kString:
		return cs[0].text, true
	case len(cs) == 1 && genericFamilies(cs[0]):
		return cs[0].key, true
	case len(cs) == 0:
		return "", false
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		if c.kind != kIdent {
			return "", false
		}
		parts[i] = c.text
	}
	c, ok := fontName(strings.Join(parts, " "))
	return c.text, ok
}

var fontPrefix = keywords("normal", "italic", "oblique", "small-caps", "bold", "bolder", "lighter")

// fontRule is the shorthand: [style variant weight] size[/line-height] family.
func fontRule(cs []comp) (string, bool) {
	var b strings.Builder
	i := 0
	for ; i < len(cs) && i < 3 && (fontPrefix(cs[i]) || (cs[i].kind == kNumber && isFontWeight(cs[i]))); i++ {
		b.WriteString(joinComps(cs[i : i+1]))
		b.WriteByte(' ')
	}
	if i == len(cs) || !lenFontSize.accepts(cs[i]) {
		return "", false
	}
	b.WriteString(joinComps(cs[i : i+1]))
	i++
	if i < len(cs) && cs[i].kind == kSlash {
		if i+1 == len(cs) || !lenLineHeight.accepts(cs[i+1]) {
			return "", false
		}
		b.WriteString(" / " + joinComps(cs[i+1:i+2]))
		i += 2
	}
	family, ok := fontFamilyRule(cs[i:])
	if !ok {
		return "", false
	}
	b.WriteString(" " + family)
	return b.String(), true
}
