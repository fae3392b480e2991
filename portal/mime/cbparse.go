package mime

import (
	"net/mail"
	"strings"
)

// Reasons a LineProblem gives; they are stable keys for the "not sent" mail.
const (
	ReasonMalformed     = "malformed"           // not "zivver-access-right: EMAIL METHOD PHONE"
	ReasonBadAddress    = "bad_address"         // EMAIL is not one address
	ReasonUnknownMethod = "unknown_method"      // METHOD is not sms
	ReasonDuplicate     = "duplicate_recipient" // another line gives other data for EMAIL; neither is used
	ReasonTooManyLines  = "too_many_lines"      // lines after the first maxBlockLines are not read
	ReasonUnterminated  = "unterminated"        // no end marker (Line 0)
)

const (
	accessRightKey = "zivver-access-right"
	maxBlockLines  = 1000
	maxProblemText = 200
)

// blockParser reads the lines of one block.
type blockParser struct {
	cb   ControlBlock
	seen map[string]int // lower-cased address -> index in cb.Rights, -1 once in conflict
}

// parseBlock reads a block's content: one access right per non-blank line.
func parseBlock(content string, terminated bool) ControlBlock {
	p := blockParser{cb: ControlBlock{Found: true}, seen: map[string]int{}}
	n := 0
	for pos := 0; pos < len(content); {
		raw, next := nextLine(content, pos)
		pos = next
		t := cleanLine(raw)
		if t == "" {
			continue
		}
		n++
		if n > maxBlockLines {
			p.problem(n, t, ReasonTooManyLines, "")
			break
		}
		p.line(n, t)
	}
	if !terminated {
		p.problem(0, startMarker, ReasonUnterminated, "")
	}
	return p.result()
}

// line reads "zivver-access-right: EMAIL sms PHONE". PHONE may be written
// with spaces ("+31 6 1234 5678"); the phone layer judges it.
func (p *blockParser) line(n int, t string) {
	rest, ok := splitKey(t)
	if !ok {
		p.problem(n, t, ReasonMalformed, "")
		return
	}
	f := strings.Fields(rest)
	email := ""
	if len(f) > 0 {
		email = normalizeEmail(f[0])
	}
	switch {
	case len(f) < 3:
		p.problem(n, t, ReasonMalformed, email)
	case email == "":
		p.problem(n, t, ReasonBadAddress, "")
	case !asciiEqualFold(f[1], MethodSMS):
		p.problem(n, t, ReasonUnknownMethod, email)
	default:
		p.add(AccessRight{Email: email, Method: MethodSMS, Phone: strings.Join(f[2:], " "), Line: n}, t)
	}
}

// add records a right. The same data twice is harmless and kept once; other
// data for the same address is a conflict that is not guessed at: both lines
// are dropped and the later one reported.
func (p *blockParser) add(r AccessRight, t string) {
	key := strings.ToLower(r.Email)
	i, dup := p.seen[key]
	switch {
	case !dup:
		p.seen[key] = len(p.cb.Rights)
		p.cb.Rights = append(p.cb.Rights, r)
	case i >= 0 && p.cb.Rights[i].Phone == r.Phone:
	default:
		p.seen[key] = -1
		p.problem(r.Line, t, ReasonDuplicate, r.Email)
	}
}

func (p *blockParser) problem(n int, t, reason, email string) {
	p.cb.Problems = append(p.cb.Problems, LineProblem{
		Line: n, Text: truncateRunes(t, maxProblemText), Reason: reason, Email: email,
	})
}

// result drops the rights that ended in conflict.
func (p *blockParser) result() ControlBlock {
	kept := p.cb.Rights[:0]
	for _, r := range p.cb.Rights {
		if p.seen[strings.ToLower(r.Email)] >= 0 {
			kept = append(kept, r)
		}
	}
	p.cb.Rights = kept
	return p.cb
}

// splitKey returns what follows "zivver-access-right:" (any case, spaces
// around the key allowed).
func splitKey(t string) (string, bool) {
	key, rest, found := strings.Cut(t, ":")
	return rest, found && asciiEqualFold(strings.TrimSpace(key), accessRightKey)
}

// isRightLine reports whether a cleaned line is a zivver-access-right line.
func isRightLine(t string) bool {
	_, ok := splitKey(t)
	return ok
}

// normalizeEmail returns f as one bare address (angle brackets allowed) with
// its domain lower-cased, or "" when it is not one.
func normalizeEmail(f string) string {
	f = strings.TrimSuffix(strings.TrimPrefix(f, "<"), ">")
	a, err := mail.ParseAddress(f)
	if err != nil || a.Name != "" || a.Address != f || len(f) > 254 {
		return ""
	}
	return lowerDomain(f)
}

// truncateRunes cuts s to at most n characters, as valid UTF-8.
func truncateRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// asciiLower lower-cases ASCII letters only, so every byte keeps its index.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// asciiEqualFold compares a with the lower-case ASCII pattern p, ignoring
// the case of ASCII letters only (no Unicode folding: 'ſ' is not 's').
func asciiEqualFold[T string | []byte](a T, p string) bool {
	if len(a) != len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}
