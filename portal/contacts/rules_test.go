package contacts

import (
	"errors"
	"strings"
	"testing"

	"sluis/db"
)

func str(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestCheckFields checks what Check makes of each field: nil keeps, ""
// clears, a new code brings its hint (empty when none is given), and ""
// as the code removes the code with its hint.
func TestCheckFields(t *testing.T) {
	org, own := db.OrgBook(1), db.PersonalBook(1, 7)
	for _, c := range []struct {
		name       string
		book       db.Book
		in         Entry
		phone      string // deref'd
		hash, hint string
		code       string
		kind       string
	}{
		{"nothing given", org, Entry{Key: " A@Example.COM "}, "<nil>", "<nil>", "<nil>", "", db.KindAddress},
		{"clears the number", org, Entry{Key: "a@example.com", Phone: str("")}, "", "<nil>", "<nil>", "", db.KindAddress},
		{"national number", org, Entry{Key: "a@example.com", Phone: str("06 1234 5678")}, "+31612345678", "<nil>", "<nil>", "", db.KindAddress},
		{"new code, no hint", org, Entry{Key: "a@example.com", Code: str("tulpen-2026")}, "<nil>", "<nil>", "", "tulpen-2026", db.KindAddress},
		{"new code and hint", org, Entry{Key: "a@example.com", Code: str("tulpen-2026"), Hint: str("bloem")}, "<nil>", "<nil>", "bloem", "tulpen-2026", db.KindAddress},
		{"removes the code", org, Entry{Key: "a@example.com", Code: str("")}, "<nil>", "", "", "", db.KindAddress},
		{"clears the hint alone", org, Entry{Key: "a@example.com", Hint: str("")}, "<nil>", "<nil>", "", "", db.KindAddress},
		{"domain", org, Entry{Key: "@Partner.example", Code: str("partner-code")}, "<nil>", "<nil>", "", "partner-code", db.KindDomain},
		{"personal address", own, Entry{Key: "a@example.com"}, "<nil>", "<nil>", "<nil>", "", db.KindAddress},
	} {
		ck, err := Check(c.book, c.in, "NL")
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := [...]string{deref(ck.Input.Phone), deref(ck.Input.AccessCodeHash), deref(ck.Input.AccessCodeHint), ck.Code, ck.Kind}; got != [...]string{c.phone, c.hash, c.hint, c.code, c.kind} {
			t.Errorf("%s: phone, hash, hint, code, kind = %q, want %q", c.name, got, [...]string{c.phone, c.hash, c.hint, c.code, c.kind})
		}
	}
}

// TestCheckRefusals runs every rule once; the portal's
// TestContactRulesAreOne runs them through every way in.
func TestCheckRefusals(t *testing.T) {
	long := func(n int) *string { return str(strings.Repeat("x", n)) }
	for _, c := range []struct {
		name          string
		book          db.Book
		in            Entry
		field, reason string
	}{
		{"bad address", db.OrgBook(1), Entry{Key: "nope"}, FieldKey, "bad_address"},
		{"domain in a personal book", db.PersonalBook(1, 7), Entry{Key: "@example.com"}, FieldKey, "bad_address"},
		{"long name", db.OrgBook(1), Entry{Key: "a@example.com", FullName: long(MaxNameLen + 1)}, FieldName, "too_long"},
		{"phone on a domain", db.OrgBook(1), Entry{Key: "example.com", Phone: str("+31612345678")}, FieldPhone, "phone_on_domain"},
		{"not a number", db.OrgBook(1), Entry{Key: "a@example.com", Phone: str("12")}, FieldPhone, "bad_phone"},
		{"landline", db.OrgBook(1), Entry{Key: "a@example.com", Phone: str("020 123 4567")}, FieldPhone, "not_mobile"},
		{"short code", db.OrgBook(1), Entry{Key: "a@example.com", Code: str("kort")}, FieldCode, "code_too_short"},
		{"long code", db.OrgBook(1), Entry{Key: "a@example.com", Code: long(MaxCodeLen + 1)}, FieldCode, "too_long"},
		{"long hint", db.OrgBook(1), Entry{Key: "a@example.com", Code: str("tulpen-2026"), Hint: long(MaxHintLen + 1)}, FieldHint, "too_long"},
		{"hint without code", db.OrgBook(1), Entry{Key: "a@example.com", Hint: str("bloem")}, FieldHint, "hint_without_code"},
		{"hint while removing the code", db.OrgBook(1), Entry{Key: "a@example.com", Code: str(""), Hint: str("bloem")}, FieldHint, "hint_without_code"},
		{"hint gives the code away", db.OrgBook(1), Entry{Key: "a@example.com", Code: str("Zomer 2026"), Hint: str("zomer2026!")}, FieldHint, "hint_contains_code"},
	} {
		_, err := Check(c.book, c.in, "NL")
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || fe.Reason != c.reason {
			t.Errorf("%s: %v, want %s: %s", c.name, err, c.field, c.reason)
		}
	}
}
