package mime

import (
	"html"
	"strings"
)

const (
	maxTag  = 256  // longest HTML tag recognised inside a block, in bytes
	maxPeek = 1024 // bytes of a line read to decide whether an unterminated block goes on
	headMax = 64   // visible bytes of a line read for that decision
)

// endFinder finds the next end marker in the lower-cased text. It remembers
// where each kind of marker was found, so no byte is searched twice however
// many blocks the text holds.
type endFinder struct {
	pos  [2]int
	init bool
}

var endMarkers = [2]string{endMarker, endEscaped}

// next returns the index and length of the first end marker at or after i,
// or -1.
func (f *endFinder) next(low string, i int) (int, int) {
	best, blen := -1, 0
	for k, m := range endMarkers {
		if !f.init || (f.pos[k] >= 0 && f.pos[k] < i) {
			f.pos[k] = -1
			if x := strings.Index(low[i:], m); x >= 0 {
				f.pos[k] = i + x
			}
		}
		if p := f.pos[k]; p >= 0 && (best < 0 || p < best) {
			best, blen = p, len(m)
		}
	}
	f.init = true
	return best, blen
}

// skipLineEnd returns the index after one line end (LF, CRLF or <br>) at j,
// or j when there is none.
func skipLineEnd(s string, j int) int {
	switch {
	case strings.HasPrefix(s[j:], "\r\n"):
		return j + 2
	case strings.HasPrefix(s[j:], "\n"):
		return j + 1
	}
	if name, end, ok := tagAt(s, j); ok && name == "br" {
		return end
	}
	return j
}

// unterminatedEnd returns where a block that starts at i and has no end
// marker ends: after the rest of the marker's line, then after the last
// zivver-access-right line that follows, blank lines between included.
// Those lines are judged on their first visible characters (lineHead), so
// no text is read twice.
func unterminatedEnd(s string, i int) int {
	_, last := nextLine(s, i)
	for pos := last; pos < len(s); {
		head, next, ended := lineHead(s, pos)
		t := head
		if t != "" {
			t = cleanLine(head)
		}
		switch {
		case isRightLine(t):
			_, next = nextLine(s, pos)
			last = next
		case t == "" && ended:
		default:
			return last
		}
		pos = next
	}
	return last
}

// lineHead returns the first visible bytes of the line at pos (tags and
// leading blanks left out, at most headMax of them, within maxPeek bytes)
// and, when the line ended within that scan, the index after its separator.
func lineHead(s string, pos int) (head string, next int, ended bool) {
	var buf [headMax]byte
	n, k := 0, pos
	for ; k < len(s) && k < pos+maxPeek && n < headMax; k++ {
		c := s[k]
		if c == '\n' {
			return string(buf[:n]), k + 1, true
		}
		if c == '<' {
			if name, end, ok := tagAt(s, k); ok {
				if isLineTag(name) {
					return string(buf[:n]), end, true
				}
				k = end - 1
				continue
			}
		}
		if n > 0 || (c != ' ' && c != '\t' && c != '\r') {
			buf[n] = c
			n++
		}
	}
	return string(buf[:n]), k, k == len(s)
}

// nextLine returns the line that starts at pos and the index after its
// separator (LF, or a <br>, <p>, </p>, <div> or </div> tag).
func nextLine(s string, pos int) (string, int) {
	for k := pos; k < len(s); k++ {
		switch s[k] {
		case '\n':
			return s[pos:k], k + 1
		case '<':
			if name, end, ok := tagAt(s, k); ok && isLineTag(name) {
				return s[pos:k], end
			}
		}
	}
	return s[pos:], len(s)
}

// isLineTag reports whether a tag ends a line inside a block.
func isLineTag(name string) bool { return name == "br" || name == "p" || name == "div" }

// cleanLine turns a raw line into the text it shows: tags dropped, entities
// decoded, no-break spaces made plain, surrounding space trimmed.
func cleanLine(raw string) string {
	if !strings.ContainsAny(raw, "<&") {
		return strings.TrimSpace(raw) // the common case, without allocating
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '<' {
			if _, end, ok := tagAt(raw, i); ok {
				i = end - 1
				continue
			}
		}
		b.WriteByte(raw[i])
	}
	t := strings.ReplaceAll(html.UnescapeString(b.String()), "\u00a0", " ")
	return strings.TrimSpace(t)
}

// tagAt reads an HTML tag at s[k] and returns its lower-case name and
// the index after its '>'. An angle-bracketed address such as
// <alice@example.com> is not a tag: the name must be followed by a space,
// '/' or '>'.
func tagAt(s string, k int) (string, int, bool) {
	if k >= len(s) || s[k] != '<' {
		return "", 0, false
	}
	limit := min(len(s), k+maxTag)
	j := k + 1
	if j < limit && s[j] == '/' {
		j++
	}
	n := j
	for n < limit && (isLetter(s[n]) || n > j && '0' <= s[n] && s[n] <= '9') {
		n++
	}
	if n == j || n >= limit || !strings.ContainsRune(" \t\r\n/>", rune(s[n])) {
		return "", 0, false
	}
	gt := strings.IndexByte(s[n:limit], '>')
	if gt < 0 {
		return "", 0, false
	}
	return asciiLower(s[j:n]), n + gt + 1, true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
