package testworld

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/unicode"
)

// PDF reading for tests: enough of the format to check what a PDF that
// Sluis drew says, without a tool CI may lack. It inflates the content
// streams (FlateDecode, or none), collects the strings shown with Tj
// (fpdf writes text in embedded Unicode fonts as UTF-16BE), and counts
// the pages.

var (
	streamPattern = regexp.MustCompile(`(?s)<<((?:[^<>]|<<[^<>]*>>)*?)>>\s*stream\r?\n`)
	lengthPattern = regexp.MustCompile(`/Length\s+(\d+)\b`)
	showPattern   = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
	pagePattern   = regexp.MustCompile(`/Type\s*/Page[^s]`)
)

// PDFText returns the text a PDF shows, one shown string per line, and
// its number of pages.
func PDFText(pdf []byte) (text string, pages int, err error) {
	var b strings.Builder
	for rest := 0; ; {
		at := streamPattern.FindSubmatchIndex(pdf[rest:])
		if at == nil {
			break
		}
		// The stream's bytes are as many as its /Length says (binary data
		// may end in what looks like the line break before "endstream"),
		// and the next stream is looked for after them.
		dict := pdf[rest+at[2] : rest+at[3]]
		l := lengthPattern.FindSubmatch(dict)
		if l == nil {
			return "", 0, errors.New("a stream without a direct /Length")
		}
		n, err := strconv.Atoi(string(l[1]))
		start := rest + at[1]
		if err != nil || start+n > len(pdf) {
			return "", 0, fmt.Errorf("a stream's /Length %s is beyond the file", l[1])
		}
		data := pdf[start : start+n]
		rest = start + n
		if bytes.Contains(dict, []byte("/FlateDecode")) {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return "", 0, err
			}
			if data, err = io.ReadAll(zr); err != nil {
				return "", 0, err
			}
		}
		for _, s := range showPattern.FindAllSubmatch(data, -1) {
			line, err := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder().Bytes(unescapePDF(s[1]))
			if err != nil {
				return "", 0, err
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.String(), len(pagePattern.FindAll(pdf, -1)), nil
}

// unescapePDF undoes a literal string's escapes: \n, \(, \\, \ddd…
func unescapePDF(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; {
		case c >= '0' && c <= '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(string(s[i:j]), 8, 8)
			out = append(out, byte(n))
			i = j - 1
		case c == 'n':
			out = append(out, '\n')
		case c == 'r':
			out = append(out, '\r')
		case c == 't':
			out = append(out, '\t')
		default:
			out = append(out, c)
		}
	}
	return out
}
