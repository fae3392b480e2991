package mailhtml

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tdewolff/parse/v2/css"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Why our own inliner: go-premailer and cascadia, which mail tools use,
// match descendant selectors by walking every ancestor and recursing
// (cost grows as depth^compounds: "div div div div span" over a few
// hundred nested divs never ends), walk all siblings for :first-child
// (quadratic on a flat list), count specificity by counting characters,
// and premailer writes the rules it cannot inline back into a <style>.
// Here a selector costs one pass over the elements, whatever its shape,
// and the whole job's cost is known before any matching starts.

// Errors of InlineStyles. Either way the caller shows the body without the
// mail's style blocks, which is what the sanitizer does on its own.
var (
	ErrTooLarge   = errors.New("mailhtml: HTML too large to apply its style blocks")
	ErrTooComplex = errors.New("mailhtml: style blocks too costly to apply")
)

// Bounds on one InlineStyles call. maxMatchWork counts, for every selector
// that can match at all, the elements times the selector's cost plus its
// rule's declarations: the tests it may make and the declarations it may
// set, each bounded. A 50 KB Outlook letter (about a thousand elements)
// needs some thirty-five thousand; a large newsletter a few million.
const (
	maxInlineInput = 2 << 20
	maxElements    = 50_000
	maxMatchWork   = 10_000_000
	maxCompounds   = 8
	maxSimple      = 32
)

// InlineStyles applies the rules of the mail's <style> elements to the
// elements they select, by writing them into each element's style
// attribute, and removes the <style> elements. The cascade is the
// browser's: sheet rules by specificity then order, the element's own
// style above them, !important above both (the sheet's below the
// element's). Supported selectors: type, *, #id, .class, [attr] with
// = ~= |= ^= $= *=, :link, :first-child, :last-child, :only-child and the
// descendant, >, + and ~ combinators; a selector using anything else
// (:hover, ::before, :not()…) is skipped, the rest of its rule applies.
// @media rules apply only for "all" or "screen"; every other at-rule
// (@import, @font-face, @page…) is dropped; nothing is ever fetched.
//
// Every declaration, from a rule or an element's own style attribute,
// passes the FilterStyle allowlist, so every style attribute of the
// result is FilterStyle's canonical text (or gone). The result is a whole
// HTML document and still needs the sanitizer: this only does style.
func InlineStyles(doc string) (string, error) {
	if len(doc) > maxInlineInput {
		return "", ErrTooLarge
	}
	if !containsFold(doc, "style") {
		return doc, nil // no style element or attribute: nothing to do
	}
	// Building the tree costs about a microsecond per element, so count
	// the start tags first (a tree has at most a few implied elements
	// more). The parser refuses nesting deeper than 512 elements, which
	// also bounds its scope searches and the recursion of html.Render.
	if startTags(doc) > maxElements {
		return "", ErrTooComplex
	}
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return "", fmt.Errorf("%w: parsing mail HTML: %v", ErrTooComplex, err)
	}
	els, sheets, err := collectElements(root)
	if err != nil {
		return "", err
	}
	var rules []sheetRule
	for _, s := range sheets {
		rules = parseSheet(lexCSS(s), rules, false)
	}
	cascade, err := matchRules(els, rules)
	if err != nil {
		return "", err
	}
	for i := range els {
		applyStyle(&els[i], &cascade[i])
	}
	for _, e := range els {
		if e.tag == "style" && e.node.Parent != nil {
			e.node.Parent.RemoveChild(e.node)
		}
	}
	for _, e := range els {
		if e.tag == "body" {
			carryBodyStyle(e.node)
		}
	}
	var b strings.Builder
	b.Grow(len(doc))
	if err := html.Render(&b, root); err != nil {
		return "", fmt.Errorf("writing mail HTML: %w", err)
	}
	return b.String(), nil
}

// domElement is one element of the document, in document order, with what
// selectors look at.
type domElement struct {
	node       *html.Node
	parent     int32 // index of the parent element, -1 for none
	prev, next int32 // neighbouring element siblings, -1 for none
	tag        string
	id         string
	classes    []string
	link       bool // an a or area with href: what :link matches
}

// maxClasses bounds the classes looked at per element.
const maxClasses = 32

// collectElements lists the elements in document order, without recursion, and
// the text of the style elements that apply to a screen.
func collectElements(root *html.Node) ([]domElement, []string, error) {
	var els []domElement
	var sheets []string
	type frame struct{ elem, last int32 }
	stack := []frame{{-1, -1}}
	for n := root.FirstChild; n != nil; {
		if n.Type == html.ElementNode {
			if len(els) == maxElements {
				return nil, nil, ErrTooComplex
			}
			top := &stack[len(stack)-1]
			i := int32(len(els))
			els = append(els, newElement(n, top.elem, top.last))
			if top.last >= 0 {
				els[top.last].next = i
			}
			top.last = i
			if els[i].tag == "style" {
				if sheet, ok := styleSheet(n); ok {
					sheets = append(sheets, sheet)
				}
			} else if n.FirstChild != nil {
				stack = append(stack, frame{i, -1})
				n = n.FirstChild
				continue
			}
		}
		for n.NextSibling == nil {
			n = n.Parent
			if n == root || n == nil {
				return els, sheets, nil
			}
			stack = stack[:len(stack)-1]
		}
		n = n.NextSibling
	}
	return els, sheets, nil
}

func newElement(n *html.Node, parent, prev int32) domElement {
	e := domElement{node: n, parent: parent, prev: prev, next: -1, tag: asciiLower(n.Data)}
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch asciiLower(a.Key) {
		case "id":
			e.id = a.Val
		case "class":
			e.classes = strings.Fields(a.Val)
			if len(e.classes) > maxClasses {
				e.classes = e.classes[:maxClasses]
			}
		case "href":
			e.link = n.Namespace == "" && (e.tag == "a" || e.tag == "area")
		}
	}
	return e
}

// styleSheet returns a style element's text if it applies to a screen.
func styleSheet(n *html.Node) (string, bool) {
	for _, a := range n.Attr {
		switch {
		case a.Namespace != "":
		case a.Key == "media" && !screenMedia(lexCSS(a.Val)):
			return "", false
		case a.Key == "type" && a.Val != "" && !strings.EqualFold(strings.TrimSpace(a.Val), "text/css"):
			return "", false
		}
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String(), true
}

// screenMedia accepts an empty media list or one naming all or screen
// without conditions; a letter is read on a screen of unknown size.
func screenMedia(toks []cssToken) bool {
	for _, t := range toks {
		switch t.tt {
		case css.WhitespaceToken, css.CommentToken, css.CommaToken:
		case css.IdentToken:
			if k := asciiLower(unescape(t.data)); k != "all" && k != "screen" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// sheetRule is one style rule: its usable selectors and kept declarations.
type sheetRule struct {
	selectors []selector
	decls     []declaration
}

// parseSheet reads a stylesheet's rules (CSS Syntax §5.4.1) and appends
// those with a usable selector and a kept declaration.
func parseSheet(toks []cssToken, rules []sheetRule, nested bool) []sheetRule {
	for i := 0; i < len(toks); {
		switch toks[i].tt {
		case css.WhitespaceToken, css.CommentToken, css.CDOToken, css.CDCToken:
			i++
			continue
		case css.AtKeywordToken:
			name := asciiLower(unescape(toks[i].data[1:]))
			end := scanTo(toks, i+1, css.LeftBraceToken, css.SemicolonToken)
			if end == len(toks) {
				return rules // an at-rule running to the end takes the rest with it
			}
			if toks[end].tt == css.SemicolonToken {
				i = end + 1 // a statement at-rule: @import, @charset…
				continue
			}
			close := scanTo(toks, end+1, css.RightBraceToken)
			if name == "media" && !nested && screenMedia(toks[i+1:end]) {
				rules = parseSheet(toks[end+1:min(close, len(toks))], rules, true)
			}
			i = close + 1
			continue
		}
		open := scanTo(toks, i, css.LeftBraceToken)
		if open == len(toks) {
			break // a prelude without a block is dropped
		}
		close := scanTo(toks, open+1, css.RightBraceToken)
		sels := parseSelectors(toks[i:open])
		decls := parseDeclarations(toks[open+1 : min(close, len(toks))])
		if len(sels) > 0 && len(decls) > 0 {
			rules = append(rules, sheetRule{sels, lastOfEach(decls)})
		}
		i = close + 1
	}
	return rules
}

// lastOfEach keeps the last declaration of each property and importance,
// which is all the cascade can use, so a rule holds at most two per
// allowlisted property whatever its length.
func lastOfEach(decls []declaration) []declaration {
	var seen [2][256]bool
	out := make([]declaration, 0, len(decls))
	for i := len(decls) - 1; i >= 0; i-- {
		d := decls[i]
		imp := boolInt(d.important)
		if !seen[imp][d.id] {
			seen[imp][d.id] = true
			out = append(out, d)
		}
	}
	slices.Reverse(out)
	return out
}

// combinator relates a compound selector to the one before it.
type combinator uint8

const (
	combDescendant combinator = iota
	combChild
	combAdjacent
	combSibling
)

// compound is a sequence of simple selectors that all hold for one element.
type compound struct {
	comb    combinator
	tag     string // "" matches any
	ids     []string
	classes []string
	attrs   []attrSel
	link    bool
	first   bool
	last    bool
}

// attrSel is [name], or [name op value] with op one of = ~ | ^ $ *.
type attrSel struct {
	name, value string
	op          byte // 0 for presence
	fold        bool // the "i" flag
}

// selector is a complex selector; spec packs its specificity (a, b, c)
// six bits each, so comparing specs compares specificities.
type selector struct {
	parts []compound
	spec  uint64
}

// parseSelectors splits a selector list and keeps the usable selectors.
func parseSelectors(toks []cssToken) []selector {
	var out []selector
	for len(toks) > 0 {
		end := scanTo(toks, 0, css.CommaToken)
		if s, ok := parseSelector(trimSpace(toks[:end])); ok {
			out = append(out, s)
		}
		if end == len(toks) {
			break
		}
		toks = toks[end+1:]
	}
	return out
}

func parseSelector(toks []cssToken) (selector, bool) {
	var s selector
	var a, b, c int
	comb := combDescendant
	for i := 0; ; {
		cp, n, ok := parseCompound(toks[i:])
		if !ok || len(s.parts) == maxCompounds {
			return selector{}, false
		}
		cp.comb = comb
		s.parts = append(s.parts, cp)
		a += len(cp.ids)
		b += len(cp.classes) + len(cp.attrs) + boolInt(cp.link) + boolInt(cp.first) + boolInt(cp.last)
		if cp.tag != "" {
			c++
		}
		if a+b+c > maxSimple {
			return selector{}, false
		}
		i += n
		j := i
		for j < len(toks) && isBlank(toks[j].tt) {
			j++
		}
		if j == len(toks) {
			break
		}
		switch {
		case toks[j].tt == css.DelimToken && toks[j].data == ">":
			comb = combChild
		case toks[j].tt == css.DelimToken && toks[j].data == "+":
			comb = combAdjacent
		case toks[j].tt == css.DelimToken && toks[j].data == "~":
			comb = combSibling
		case j > i:
			comb = combDescendant
			j-- // the whitespace was the combinator
		default:
			return selector{}, false
		}
		for j++; j < len(toks) && isBlank(toks[j].tt); j++ {
		}
		i = j
		if i == len(toks) {
			return selector{}, false
		}
	}
	s.spec = uint64(a)<<12 | uint64(b)<<6 | uint64(c) // each ≤ maxSimple < 64
	return s, true
}

// cost bounds what testing the selector on one element costs, in rough
// units of a short comparison: an id or class is looked for among at most
// maxClasses, an attribute among maxAttrScan with a value of at most
// maxAttrMatch bytes.
func (s *selector) cost() int {
	n := 0
	for i := range s.parts {
		p := &s.parts[i]
		n += 1 + len(p.ids) + len(p.classes) + 8*len(p.attrs)
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseCompound reads one compound selector and how many tokens it took.
func parseCompound(toks []cssToken) (compound, int, bool) {
	var c compound
	i := 0
	if i < len(toks) && toks[i].tt == css.IdentToken {
		c.tag = asciiLower(unescape(toks[i].data))
		i++
	} else if i < len(toks) && toks[i].tt == css.DelimToken && toks[i].data == "*" {
		i++
	}
	for i < len(toks) {
		t := toks[i]
		switch {
		case t.tt == css.HashToken:
			c.ids = append(c.ids, unescape(t.data[1:]))
			i++
		case t.tt == css.DelimToken && t.data == "." && i+1 < len(toks) && toks[i+1].tt == css.IdentToken:
			c.classes = append(c.classes, unescape(toks[i+1].data))
			i += 2
		case t.tt == css.LeftBracketToken:
			end := scanTo(toks, i+1, css.RightBracketToken)
			at, ok := parseAttr(trimSpace(toks[i+1 : min(end, len(toks))]))
			if !ok || end == len(toks) {
				return c, 0, false
			}
			c.attrs = append(c.attrs, at)
			i = end + 1
		case t.tt == css.ColonToken && i+1 < len(toks) && toks[i+1].tt == css.IdentToken:
			if !c.pseudo(asciiLower(unescape(toks[i+1].data))) {
				return c, 0, false
			}
			i += 2
		case isBlank(t.tt) || t.tt == css.DelimToken && (t.data == ">" || t.data == "+" || t.data == "~"):
			return c, i, i > 0
		default:
			return c, 0, false // ::pseudo-elements, :functions(), stray tokens
		}
	}
	return c, i, i > 0
}

// pseudo records a supported pseudo-class; a static copy has no hover,
// focus or visited state, so those selectors match nothing and are skipped.
func (c *compound) pseudo(name string) bool {
	switch name {
	case "link", "any-link":
		c.link = true
	case "first-child":
		c.first = true
	case "last-child":
		c.last = true
	case "only-child":
		c.first, c.last = true, true
	default:
		return false
	}
	return true
}

// parseAttr reads the inside of [ ]: a name, and an operator with a value
// and an optional i or s flag.
func parseAttr(toks []cssToken) (attrSel, bool) {
	var a attrSel
	if len(toks) == 0 || toks[0].tt != css.IdentToken {
		return a, false
	}
	a.name = asciiLower(unescape(toks[0].data))
	rest := trimSpace(toks[1:])
	if len(rest) == 0 {
		return a, true
	}
	switch {
	case rest[0].tt == css.DelimToken && rest[0].data == "=":
		a.op = '='
	case rest[0].tt == css.IncludeMatchToken, rest[0].tt == css.DashMatchToken, rest[0].tt == css.PrefixMatchToken,
		rest[0].tt == css.SuffixMatchToken, rest[0].tt == css.SubstringMatchToken:
		a.op = rest[0].data[0]
	default:
		return a, false
	}
	rest = trimSpace(rest[1:])
	switch {
	case len(rest) == 0:
		return a, false
	case rest[0].tt == css.IdentToken:
		a.value = unescape(rest[0].data)
	case rest[0].tt == css.StringToken:
		a.value = stringBody(rest[0].data)
	default:
		return a, false
	}
	rest = trimSpace(rest[1:])
	if len(rest) == 1 && rest[0].tt == css.IdentToken {
		switch asciiLower(rest[0].data) {
		case "i":
			a.fold = true
		case "s":
		default:
			return a, false
		}
		rest = nil
	}
	return a, len(rest) == 0
}

// matches tests the compound's own conditions; combinators are matchRules'.
func (c *compound) matches(e *domElement) bool {
	if (c.tag != "" && c.tag != e.tag) || (c.link && !e.link) ||
		(c.first && e.prev >= 0) || (c.last && e.next >= 0) {
		return false
	}
	for _, id := range c.ids {
		if id != e.id {
			return false
		}
	}
	for _, cl := range c.classes {
		if !slices.Contains(e.classes, cl) {
			return false
		}
	}
	for i := range c.attrs {
		if !c.attrs[i].matches(e.node) {
			return false
		}
	}
	return true
}

// maxAttrScan and maxAttrMatch bound the attributes an [attr…] test looks
// at and the length of value it reads, so that an element with thousands
// of attributes or a long one cannot make each test of a sheet costly.
const (
	maxAttrScan  = 16
	maxAttrMatch = 1 << 10
)

func (a *attrSel) matches(n *html.Node) bool {
	for _, at := range n.Attr[:min(len(n.Attr), maxAttrScan)] {
		if at.Namespace != "" || asciiLower(at.Key) != a.name {
			continue
		}
		v, want := at.Val, a.value
		if a.op == 0 {
			return true
		}
		if len(v) > maxAttrMatch {
			return false
		}
		if a.fold {
			v, want = strings.ToLower(v), strings.ToLower(want)
		}
		switch a.op {
		case '=':
			return v == want
		case '~':
			return want != "" && !strings.ContainsAny(want, " \t\n\f\r") && slices.Contains(strings.Fields(v), want)
		case '|':
			return v == want || strings.HasPrefix(v, want+"-")
		case '^':
			return want != "" && strings.HasPrefix(v, want)
		case '$':
			return want != "" && strings.HasSuffix(v, want)
		case '*':
			return want != "" && strings.Contains(v, want)
		}
		return false
	}
	return false
}

// cascadeEntry is the declaration winning one property of an element so far.
type cascadeEntry struct {
	prop, value string
	key         uint64 // cascade precedence: the higher key wins
}

// Cascade levels, lowest first (CSS Cascade §6.1, author origin).
const (
	levelSheet uint64 = iota
	levelOwn
	levelSheetImportant
	levelOwnImportant
)

// precedence packs level, specificity, rule order and declaration order
// into one comparable key: level in bits 62–63, specificity 44–61, rule
// order 12–43, the declaration's place in its rule 0–11.
func precedence(level, spec uint64, order, decl int) uint64 {
	return level<<62 | spec<<44 | uint64(order)<<12 | uint64(decl)
}

func levelOf(important bool, normal, imp uint64) uint64 {
	if important {
		return imp
	}
	return normal
}

// styleSet is an element's winning declarations so far, with slot
// finding a property's entry in constant time.
type styleSet struct {
	entries []cascadeEntry
	slot    []int8 // by property id: 1 + index in entries, 0 for none
}

// put keeps for d's property whichever declaration has the higher key.
func (s *styleSet) put(d declaration, key uint64) {
	if s.slot == nil {
		s.slot = make([]int8, len(propertyIDs))
	}
	if j := s.slot[d.id]; j > 0 {
		if key > s.entries[j-1].key {
			s.entries[j-1] = cascadeEntry{d.prop, d.value, key}
		}
		return
	}
	s.entries = append(s.entries, cascadeEntry{d.prop, d.value, key})
	s.slot[d.id] = int8(len(s.entries))
}

// matchRules runs every selector that can match over the elements and returns
// each element's winning sheet declarations. The cost is counted before
// any matching: over maxMatchWork, nothing is matched.
func matchRules(els []domElement, rules []sheetRule) ([]styleSet, error) {
	present := newPresence(els)
	type job struct {
		sel   *selector
		order int
	}
	var jobs []job
	work := 0
	for r := range rules {
		for s := range rules[r].selectors {
			sel := &rules[r].selectors[s]
			if !present.possible(sel) {
				continue
			}
			work += len(els) * (sel.cost() + len(rules[r].decls))
			if work > maxMatchWork {
				return nil, ErrTooComplex
			}
			jobs = append(jobs, job{sel, r})
		}
	}
	cascade := make([]styleSet, len(els))
	if len(jobs) == 0 {
		return cascade, nil
	}
	st := newMatchState(len(els))
	for _, j := range jobs {
		decls := rules[j.order].decls
		st.run(els, j.sel, func(i int) {
			for d, decl := range decls {
				key := precedence(levelOf(decl.important, levelSheet, levelSheetImportant), j.sel.spec, j.order, d)
				cascade[i].put(decl, key)
			}
		})
	}
	return cascade, nil
}

// presence is which tags, ids and classes the document has at all; a
// selector needing one it lacks is not run.
type presence struct{ tags, ids, classes map[string]bool }

func newPresence(els []domElement) presence {
	p := presence{map[string]bool{}, map[string]bool{}, map[string]bool{}}
	for i := range els {
		p.tags[els[i].tag] = true
		p.ids[els[i].id] = true
		for _, c := range els[i].classes {
			p.classes[c] = true
		}
	}
	return p
}

func (p presence) possible(s *selector) bool {
	for i := range s.parts {
		c := &s.parts[i]
		if c.tag != "" && !p.tags[c.tag] {
			return false
		}
		for _, id := range c.ids {
			if !p.ids[id] {
				return false
			}
		}
		for _, cl := range c.classes {
			if !p.classes[cl] {
				return false
			}
		}
	}
	return true
}

// matchState holds, per element, bit j set when compound j of the running
// selector matches there (with its combinators), and the same bits ORed
// over its ancestors and over its earlier siblings.
type matchState struct{ self, anc, sib []uint8 }

func newMatchState(n int) *matchState {
	return &matchState{make([]uint8, n), make([]uint8, n), make([]uint8, n)}
}

// run calls found for each element the whole selector matches. Elements
// come in document order, so a parent and earlier siblings are done
// before an element: one pass, at most one test per compound per element.
func (st *matchState) run(els []domElement, s *selector, found func(int)) {
	whole := uint8(1) << (len(s.parts) - 1)
	for i := range els {
		e := &els[i]
		var parent, anc, prev, sib uint8
		if e.parent >= 0 {
			parent = st.self[e.parent]
			anc = st.anc[e.parent] | parent
		}
		if e.prev >= 0 {
			prev = st.self[e.prev]
			sib = st.sib[e.prev] | prev
		}
		st.anc[i], st.sib[i] = anc, sib
		var bits uint8
		for j := range s.parts {
			c := &s.parts[j]
			if j > 0 && related(c.comb, anc, parent, prev, sib)&(1<<(j-1)) == 0 {
				continue
			}
			if c.matches(e) {
				bits |= 1 << j
			}
		}
		st.self[i] = bits
		if bits&whole != 0 {
			found(i)
		}
	}
}

// related picks the bits a combinator looks at.
func related(comb combinator, anc, parent, prev, sib uint8) uint8 {
	switch comb {
	case combChild:
		return parent
	case combAdjacent:
		return prev
	case combSibling:
		return sib
	}
	return anc
}

// applyStyle writes an element's style attribute: the sheet's winners
// merged with the element's own declarations, ordered by precedence so
// that a later declaration wins exactly where the cascade says it should.
func applyStyle(e *domElement, set *styleSet) {
	if e.tag == "style" {
		return
	}
	at := -1
	attrs := e.node.Attr[:0]
	for _, a := range e.node.Attr {
		if a.Namespace == "" && asciiLower(a.Key) == "style" {
			if at >= 0 {
				continue // a repeated style attribute: the first one counts
			}
			at = len(attrs)
			if len(a.Val) <= maxStyleLen {
				for d, decl := range parseDeclarations(lexCSS(a.Val)) {
					key := precedence(levelOf(decl.important, levelOwn, levelOwnImportant), 0, 0, 0) | uint64(d)
					set.put(decl, key)
				}
			}
		}
		attrs = append(attrs, a)
	}
	e.node.Attr = attrs
	entries := set.entries
	if len(entries) == 0 {
		if at >= 0 {
			e.node.Attr = slices.Delete(e.node.Attr, at, at+1)
		}
		return
	}
	slices.SortFunc(entries, func(x, y cascadeEntry) int {
		switch {
		case x.key < y.key:
			return -1
		case x.key > y.key:
			return 1
		}
		return 0
	})
	var b strings.Builder
	for i, en := range entries {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(en.prop + ": " + en.value)
	}
	if at >= 0 {
		e.node.Attr[at].Key, e.node.Attr[at].Val = "style", b.String()
		return
	}
	e.node.Attr = append(e.node.Attr, html.Attribute{Key: "style", Val: b.String()})
}

// carryBodyStyle moves the body's style onto a div that wraps its
// content: the sanitizer drops the body element (the page, or the frame,
// has its own), and a letter's background or font set on the body would
// go with it.
func carryBodyStyle(body *html.Node) {
	style := -1
	for i, a := range body.Attr {
		if a.Namespace == "" && a.Key == "style" {
			style = i
		}
	}
	if style < 0 {
		return
	}
	wrap := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div,
		Attr: []html.Attribute{{Key: "style", Val: body.Attr[style].Val}}}
	body.Attr = slices.Delete(body.Attr, style, style+1)
	for c := body.FirstChild; c != nil; c = body.FirstChild {
		body.RemoveChild(c)
		wrap.AppendChild(c)
	}
	body.AppendChild(wrap)
}

// startTags counts "<" followed by a letter: every start tag has one.
func startTags(s string) int {
	n := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '<' && (s[i+1]|0x20 >= 'a' && s[i+1]|0x20 <= 'z') {
			n++
		}
	}
	return n
}

// containsFold reports whether s contains the ASCII word w, any case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
