package mime

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func right(email, phone string, line int) AccessRight {
	return AccessRight{Email: email, Method: "sms", Phone: phone, Line: line}
}

func TestParseControlBlock(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		rights   []AccessRight
		problems []string // "line:reason:email"
		out      string
	}{{
		name: "design example",
		in: "<!--zivver_headers\nzivver-access-right: alice@example.com sms +31612345678\n" +
			"zivver-access-right: bob@example.org sms 0031612345679\nzivver_headers-->\nHello Alice,\n",
		rights: []AccessRight{right("alice@example.com", "+31612345678", 1), right("bob@example.org", "0031612345679", 2)},
		out:    "Hello Alice,\n",
	}, {
		name:   "CRLF, spaces, key case, upper-case domain",
		in:     "Hi\r\n<!--zivver_headers\r\n   Zivver-Access-Right :  Alice@EXAMPLE.com   SMS   +31612345678  \r\nzivver_headers-->\r\nBye",
		rights: []AccessRight{right("Alice@example.com", "+31612345678", 1)},
		out:    "Hi\r\nBye",
	}, {
		name:   "phone written with spaces",
		in:     "<!--zivver_headers\nzivver-access-right: a@x.nl sms +31 6 1234 5678\nzivver_headers-->",
		rights: []AccessRight{right("a@x.nl", "+31 6 1234 5678", 1)},
	}, {
		name:     "every bad line",
		in:       "<!--zivver_headers\nhello\nzivver-access-right: a@x.nl\nzivver-access-right: not-an-address sms +316\nzivver-access-right: b@x.nl code 1234\nzivver-access-right: c@x.nl sms +31611111111\nzivver_headers-->",
		rights:   []AccessRight{right("c@x.nl", "+31611111111", 5)},
		problems: []string{"1:malformed:", "2:malformed:a@x.nl", "3:bad_address:", "4:unknown_method:b@x.nl"},
	}, {
		name:     "conflicting duplicate drops both, same line twice is kept once",
		in:       "<!--zivver_headers\nzivver-access-right: a@x.nl sms +31611111111\nzivver-access-right: A@X.NL sms +31622222222\nzivver-access-right: b@x.nl sms 1\nzivver-access-right: b@x.nl sms 1\nzivver_headers-->",
		rights:   []AccessRight{right("b@x.nl", "1", 3)},
		problems: []string{"2:duplicate_recipient:A@x.nl"},
	}, {
		name:     "unterminated: strip through the last access-right line",
		in:       "<!--zivver_headers\nzivver-access-right: a@x.nl sms +31611111111\n\nzivver-access-right: b@x.nl sms +31622222222\n\nDear all,\n",
		rights:   []AccessRight{right("a@x.nl", "+31611111111", 1), right("b@x.nl", "+31622222222", 2)},
		problems: []string{"0:unterminated:"},
		out:      "\nDear all,\n",
	}, {
		name:     "unterminated marker alone",
		in:       "Text <!--zivver_headers\nmore text\n",
		problems: []string{"0:unterminated:"},
		out:      "Text more text\n",
	}, {
		name:   "html comment with br",
		in:     `<p>Hi</p><!--zivver_headers<br>zivver-access-right: a@x.nl sms +31611111111<br/>zivver_headers--><br>Body`,
		rights: []AccessRight{right("a@x.nl", "+31611111111", 1)},
		out:    "<p>Hi</p>Body",
	}, {
		name: "html escaped, divs, mailto link, nbsp",
		in: `<div>&lt;!--zivver_headers</div><div>zivver-access-right:&nbsp;<a href="mailto:a@x.nl">a@x.nl</a> sms <span>+31611111111</span></div>` +
			`<div>zivver_headers--&gt;</div><div>Hello</div>`,
		rights: []AccessRight{right("a@x.nl", "+31611111111", 1)},
		out:    `<div></div><div>Hello</div>`,
	}, {
		name:   "angle-bracketed address is not a tag",
		in:     "<!--zivver_headers\nzivver-access-right: <a@x.nl> sms +31611111111\nzivver_headers-->",
		rights: []AccessRight{right("a@x.nl", "+31611111111", 1)},
	}, {
		name:   "upper-case markers, second block removed unread",
		in:     "<!--ZIVVER_HEADERS\nzivver-access-right: a@x.nl sms 1\nZIVVER_HEADERS-->\nx<!--zivver_headers\nzivver-access-right: b@x.nl sms 2\nzivver_headers-->\n",
		rights: []AccessRight{right("a@x.nl", "1", 1)},
		out:    "x",
	}, {
		name:   "removal cannot form a new marker",
		in:     "<!--zivver<!--zivver_headers\nzivver_headers-->_headers\nzivver-access-right: a@x.nl sms 1\nzivver_headers-->tail",
		rights: []AccessRight{},
		out:    "tail",
	}, {
		name: "no block",
		in:   "Just text with <!-- a comment --> and zivver_headers--> alone",
		out:  "Just text with <!-- a comment --> and zivver_headers--> alone",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb, out := ParseControlBlock(tt.in)
			if tt.name == "no block" {
				if cb.Found || out != tt.in {
					t.Fatalf("found a block in %q: %+v, %q", tt.in, cb, out)
				}
				return
			}
			if !cb.Found {
				t.Fatalf("block not found")
			}
			if len(cb.Rights) != 0 || len(tt.rights) != 0 {
				if !reflect.DeepEqual(cb.Rights, tt.rights) {
					t.Errorf("rights\n got %+v\nwant %+v", cb.Rights, tt.rights)
				}
			}
			var got []string
			for _, p := range cb.Problems {
				got = append(got, strings.Join([]string{strconv.Itoa(p.Line), p.Reason, p.Email}, ":"))
			}
			if !reflect.DeepEqual(got, tt.problems) {
				t.Errorf("problems\n got %q\nwant %q", got, tt.problems)
			}
			if tt.out != "" && out != tt.out {
				t.Errorf("out\n got %q\nwant %q", out, tt.out)
			}
			if strings.Contains(strings.ToLower(out), "zivver-access-right") {
				t.Errorf("access rights left in %q", out)
			}
		})
	}
}

// TestUnterminatedHTML checks the unterminated rule on the forms HTML
// editors produce: lines in <div>s, leading no-break spaces, tags around
// the key.
func TestUnterminatedHTML(t *testing.T) {
	in := `<div>&lt;!--zivver_headers</div>` +
		`<div>&nbsp;&nbsp;<span style="font-family:Calibri,sans-serif;color:#1f497d">zivver-access-right:</span> a@x.nl sms 1</div>` +
		`<div><br></div><div>zivver-access-right: b@x.nl sms 2</div><div>Dear all,</div>`
	cb, out := ParseControlBlock(in)
	if !cb.Found || len(cb.Rights) != 2 || len(cb.Problems) != 1 || cb.Problems[0].Reason != ReasonUnterminated {
		t.Fatalf("block = %+v", cb)
	}
	if out != "<div><div>Dear all,</div>" {
		t.Fatalf("out = %q", out)
	}
}

func TestLineEndAfterBlock(t *testing.T) {
	tests := map[string]string{
		"<!--zivver_headers zivver_headers-->\r\nnext":   "next",
		"<!--zivver_headers zivver_headers--><BR />next": "next",
		"<!--zivver_headers zivver_headers-->xbr>next":   "xbr>next",
		"<!--zivver_headers zivver_headers-->\n\nnext":   "\nnext",
		"<!--zivver_headers zivver_headers-->":           "",
	}
	for in, want := range tests {
		if got := StripControlBlocks(in); got != want {
			t.Errorf("StripControlBlocks(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLongTagName is the fuzzer's find: a tag name longer than maxTag once
// sliced past its own bound.
func TestLongTagName(t *testing.T) {
	in := "<!--zivver_headers<A" + strings.Repeat("0", 300) + ">\nzivver-access-right: a@x.nl sms 1\n"
	cb, out := ParseControlBlock(in)
	if len(cb.Rights) != 1 || len(cb.Problems) != 2 || cb.Problems[0].Reason != ReasonMalformed || out != "" {
		t.Fatalf("ParseControlBlock = %+v, %q", cb, out)
	}
}

// TestFormatControlBlock checks that the block the draft page offers reads
// back as the rights it was written from, and stays on a line of its own.
func TestFormatControlBlock(t *testing.T) {
	rights := []AccessRight{right("alice@example.com", "+31612345678", 1), right("Bob@example.org", "0031 6 1234 5679", 2)}
	block := FormatControlBlock(rights)
	want := "<!--zivver_headers\nzivver-access-right: alice@example.com sms +31612345678\n" +
		"zivver-access-right: Bob@example.org sms 0031 6 1234 5679\nzivver_headers-->"
	if block != want {
		t.Fatalf("FormatControlBlock = %q, want %q", block, want)
	}
	cb, rest := ParseControlBlock(block + "\nDear Alice,\n")
	if !reflect.DeepEqual(cb.Rights, rights) || len(cb.Problems) != 0 || rest != "Dear Alice,\n" {
		t.Fatalf("read back: %+v, rest %q", cb, rest)
	}
	if got := (AccessRight{Email: "a@example.com", Phone: "+32470123456"}).Text(); got != "zivver-access-right: a@example.com sms +32470123456" {
		t.Fatalf("Text without a method = %q", got)
	}
}
