package phone

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, region, want, reason string
	}{
		{"+31612345678", "", "+31612345678", ""},
		{"0031612345678", "", "+31612345678", ""},
		{"+31 6 1234 5678", "", "+31612345678", ""},
		{"06-12345678", "NL", "+31612345678", ""},
		{"06 12 34 56 78", "FR", "+33612345678", ""},
		{"0470 12 34 56", "BE", "+32470123456", ""},
		{"+49 151 23456789", "NL", "+4915123456789", ""},
		{"06-12345678", "", "", "bad_phone"},    // no country to read it in
		{"+31201234567", "", "", "not_mobile"},  // Amsterdam landline
		{"020-1234567", "NL", "", "not_mobile"}, // the same, written locally
		{"+3161234", "", "", "bad_phone"},       // too short
		{"not a number", "NL", "", "bad_phone"}, //
		{"", "NL", "", "bad_phone"},             //
		{"+31612345678999999999999999999999999999999", "", "", "bad_phone"},
	}
	for _, c := range cases {
		got, err := Parse(c.in, c.region)
		var pe *Error
		switch {
		case c.reason == "" && (err != nil || got != c.want):
			t.Errorf("Parse(%q, %q) = %q, %v; want %q", c.in, c.region, got, err, c.want)
		case c.reason != "" && (!errors.As(err, &pe) || pe.Reason != c.reason):
			t.Errorf("Parse(%q, %q) = %q, %v; want reason %s", c.in, c.region, got, err, c.reason)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"+31612345678":   "+31 6 ●●●● ●●78",
		"+32470123456":   "+32 4 ●●●● ●●56",
		"+4915123456789": "+49 1 ●●●● ●●●● 89",
		"garbage":        "●●●●",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	if Region("+32470123456") != "BE" {
		t.Error("Region of a Belgian number")
	}
}
