// Package contacts owns the rules of address-book entries above the store
// — what a valid key, name, mobile number, access code and hint are — in
// one function, Check, that every way in calls: the CSV import (also
// here, applying a whole file in one transaction or reporting why it
// cannot), the organisation's book form, the senders' personal book form,
// the API and the draft page. Errors carry translation keys.
package contacts

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Columns are the CSV columns, in the documented order.
var Columns = []string{"email_address", "full_name", "phone_number", "access_code", "access_code_hint"}

// MaxRows bounds one import file.
const MaxRows = 1_000_000

// Row is one data line of an import file, as written.
type Row struct {
	Line       int
	Email      string
	FullName   string
	Phone      string
	AccessCode string
	Hint       string
}

// FileError is a file that cannot be read as an import: not CSV, no
// header, an unknown column. Reason is a translation key.
type FileError struct {
	Line   int
	Reason string
	Detail string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s (%s)", e.Line, e.Reason, e.Detail)
	}
	return fmt.Sprintf("%s (%s)", e.Reason, e.Detail)
}

// ReadCSV reads an import file: UTF-8 with or without a byte-order mark,
// comma- or semicolon-separated (whichever the header uses), with a header
// naming some of Columns; email_address is required.
func ReadCSV(r io.Reader) ([]Row, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	cr.Comma = delimiter(first)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Reason: "empty_file", Detail: "the file is empty"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	index, err := columnIndex(header)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= MaxRows {
			return nil, &FileError{Line: line, Reason: "too_many_rows", Detail: fmt.Sprintf("at most %d rows", MaxRows)}
		}
		if blank(rec) {
			continue
		}
		if len(rec) > len(header) {
			return nil, &FileError{Line: line, Reason: "too_many_fields", Detail: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))}
		}
		rows = append(rows, rowFrom(rec, index, line))
	}
}

// delimiter picks ';' when the header line has more semicolons than commas.
func delimiter(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		return ';'
	}
	return ','
}

func columnIndex(header []string) (map[string]int, error) {
	index := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(name) || !known(name) {
			return nil, &FileError{Line: 1, Reason: "unknown_column", Detail: fmt.Sprintf("%.60q; the columns are %s", h, strings.Join(Columns, ","))}
		}
		if _, dup := index[name]; dup {
			return nil, &FileError{Line: 1, Reason: "duplicate_column", Detail: name}
		}
		index[name] = i
	}
	if _, ok := index["email_address"]; !ok {
		return nil, &FileError{Line: 1, Reason: "missing_header", Detail: "the first line must name the columns, with email_address among them"}
	}
	return index, nil
}

func known(name string) bool {
	for _, c := range Columns {
		if c == name {
			return true
		}
	}
	return false
}

func rowFrom(rec []string, index map[string]int, line int) Row {
	get := func(col string) string {
		if i, ok := index[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	return Row{Line: line, Email: get("email_address"), FullName: get("full_name"), Phone: get("phone_number"),
		AccessCode: get("access_code"), Hint: get("access_code_hint")}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{Line: pe.StartLine, Reason: "not_csv", Detail: pe.Err.Error()}
	}
	return &FileError{Reason: "not_csv", Detail: err.Error()}
}
