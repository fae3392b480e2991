package mime

import "strings"

// The control block, as senders write it at the top of a body:
//
//	<!--zivver_headers
//	zivver-access-right: alice@example.com sms +31612345678
//	zivver_headers-->
//
// What is recognised, everywhere (text and HTML alike):
//   - the markers in any ASCII letter case, raw ("<!--zivver_headers",
//     "zivver_headers-->") or HTML-escaped ("&lt;!--zivver_headers",
//     "zivver_headers--&gt;"), which is how an HTML editor that did not know
//     the block was a comment sends it;
//   - lines separated by LF, CRLF, or the tags <br>, <p>, </p>, <div> and
//     </div>; other tags inside a line (<span>, a mailto: link) are dropped
//     and HTML entities (&nbsp;, &#43;) decoded before the line is read.
//
// A block without an end marker is removed from its start marker to the end
// of that line, and on through the last zivver-access-right line that
// follows (blank lines between such lines included) and its line end; from
// the first other line on, the text stays. The removed lines are read as
// usual and the problem "unterminated" is added.
const (
	startMarker  = "<!--zivver_headers"
	startEscaped = "&lt;!--zivver_headers"
	endMarker    = "zivver_headers-->"
	endEscaped   = "zivver_headers--&gt;"
	startCommon  = "!--zivver_headers" // the suffix both start markers share
)

// ControlBlock is what a control block said.
type ControlBlock struct {
	Found    bool
	Rights   []AccessRight // the well-formed lines, in order
	Problems []LineProblem // the lines that were not, and problems of the whole block
}

// AccessRight is one well-formed zivver-access-right line.
type AccessRight struct {
	Email  string // local part as written, domain lower-cased; compare case-insensitively
	Method string // MethodSMS
	Phone  string // as written (fields joined by one space); not validated here
	Line   int    // 1-based among the block's non-blank lines
}

// LineProblem is a line the block could not use, and why.
type LineProblem struct {
	Line   int    // 1-based among the block's non-blank lines; 0 for the whole block
	Text   string // the line as read, at most 200 characters
	Reason string // malformed, bad_address, unknown_method, duplicate_recipient, too_many_lines, unterminated
	Email  string // the address the line names, when it could be read
}

// MethodSMS is the one verification method a block's line can name.
const MethodSMS = "sms"

// Text writes the right as the line a sender puts in a block,
// "zivver-access-right: EMAIL sms PHONE"; ParseControlBlock reads it back.
func (r AccessRight) Text() string {
	method := r.Method
	if method == "" {
		method = MethodSMS
	}
	return accessRightKey + ": " + r.Email + " " + method + " " + r.Phone
}

// FormatControlBlock writes a whole block with one line per right, LF line
// ends and no line end after the end marker: what the draft page offers a
// sender to paste at the top of a mail.
func FormatControlBlock(rights []AccessRight) string {
	var b strings.Builder
	b.WriteString(startMarker + "\n")
	for _, r := range rights {
		b.WriteString(r.Text() + "\n")
	}
	b.WriteString(endMarker)
	return b.String()
}

// ParseControlBlock finds the first block in s, parses it, and returns the
// block and s with the block removed (and one following newline). Any later
// block is removed too, unread, so the result never shows a block's data.
func ParseControlBlock(s string) (ControlBlock, string) {
	var cb ControlBlock
	out := scanBlocks(s, func(content string, terminated bool) {
		if !cb.Found {
			cb = parseBlock(content, terminated)
		}
	})
	return cb, out
}

// StripControlBlocks removes every block from s (used on every other part).
// The result contains no start marker, so stripping it again changes nothing.
func StripControlBlocks(s string) string {
	return scanBlocks(s, nil)
}

// mayHoldBlock reports whether s holds what every start marker ends with.
// It allocates nothing, so bodies without a block cost one scan.
func mayHoldBlock(s string) bool {
	for i := 0; ; i++ {
		k := strings.IndexByte(s[i:], '!')
		if k < 0 {
			return false
		}
		i += k
		if i+len(startCommon) <= len(s) && asciiEqualFold(s[i:i+len(startCommon)], startCommon) {
			return true
		}
	}
}

// scanBlocks copies s without its blocks, calling visit (when not nil) with
// each block's content. It copies byte by byte and looks for a start marker
// at the end of what it has written, so that removing one block cannot join
// the text around it into a new marker ("<!--zivver" + block + "_headers").
// Work stays linear: each end-marker search resumes where the last one
// stopped, and an unterminated block looks at a bounded prefix of each line.
func scanBlocks(s string, visit func(content string, terminated bool)) string {
	if !mayHoldBlock(s) {
		return s
	}
	low := asciiLower(s)
	var ends endFinder
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		out = append(out, c)
		i++
		if c != 's' && c != 'S' {
			continue
		}
		k := startSuffix(out)
		if k == 0 {
			continue
		}
		out = out[:len(out)-k]
		j, mlen := ends.next(low, i)
		if j >= 0 {
			visitBlock(visit, s[i:j], true)
			i = skipLineEnd(low, j+mlen)
			continue
		}
		end := unterminatedEnd(s, i)
		visitBlock(visit, s[i:end], false)
		i = end
	}
	return string(out)
}

func visitBlock(visit func(string, bool), content string, terminated bool) {
	if visit != nil {
		visit(content, terminated)
	}
}

// startSuffix returns the length of the start marker b ends with, or 0.
func startSuffix(b []byte) int {
	n := len(b)
	if n < len(startMarker) || !asciiEqualFold(b[n-len(startCommon):], startCommon) {
		return 0
	}
	if b[n-len(startMarker)] == '<' {
		return len(startMarker)
	}
	if n >= len(startEscaped) && asciiEqualFold(b[n-len(startEscaped):n-len(startCommon)], "&lt;") {
		return len(startEscaped)
	}
	return 0
}
