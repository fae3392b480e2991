package contacts

import (
	"errors"
	"strings"
	"unicode/utf8"

	"sluis/db"
	"sluis/portal/phone"
)

// Bounds of an entry's fields.
const (
	MinCodeLen = 8   // access code, in characters
	MaxCodeLen = 128 // access code, in characters
	MaxNameLen = 200 // full name, in bytes (the store's bound)
	MaxHintLen = 200 // access-code hint, in bytes (the store's bound)
)

// Fields of an entry, as the CSV import names its columns; a FieldError
// names one of them. The web forms map them onto their own inputs.
const (
	FieldKey   = "email_address"
	FieldName  = "full_name"
	FieldPhone = "phone_number"
	FieldCode  = "access_code"
	FieldHint  = "access_code_hint"
)

// FieldError is one invalid field; Reason is a translation key
// ("reason.<Reason>").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Entry is an address-book entry as someone wrote it, on any of the ways
// in: the CSV import, the organisation's book form, a sender's personal
// book form, the API. A nil field leaves the stored value as it is (or
// empty on a new entry); a pointer to "" clears it. Code is the access
// code in plain text: "" removes the code together with its hint.
type Entry struct {
	Key      string // an address, or a domain ("example.org" or "@example.org") for the whole domain
	FullName *string
	Phone    *string // as typed; read in the organisation's country
	Code     *string
	Hint     *string
}

// Checked is an entry that passed every rule: the store's input with
// the phone number in E.164, and the access code still in plain text for
// the caller to hash (HashCode, or Prepare for both steps).
type Checked struct {
	Kind  string // db.KindAddress or db.KindDomain
	Input db.ContactInput
	Code  string // "" when no new code is set
}

// Check applies the address-book rules to e for book, reading numbers in
// region's conventions. It is the one place these rules live: the import,
// both web forms and the API call it, so each refuses the same entries
// for the same reasons. The error is a *FieldError.
//
// The rules: a valid address, or a domain (organisation book only); a
// name of at most MaxNameLen bytes; a mobile number, never on a domain;
// an access code of MinCodeLen to MaxCodeLen characters; a hint of at
// most MaxHintLen bytes that does not give the code away and that comes
// only with its code — a hint given on its own cannot be checked against
// a code that is stored only as a hash.
func Check(book db.Book, e Entry, region string) (Checked, error) {
	kind, key, err := CheckKey(e.Key)
	if err != nil {
		return Checked{}, err
	}
	if kind == db.KindDomain && book.OwnerUserID != 0 {
		return Checked{}, &FieldError{Field: FieldKey, Reason: "bad_address"} // a personal book holds addresses only
	}
	out := Checked{Kind: kind, Input: db.ContactInput{Email: key, FullName: e.FullName}}
	if e.FullName != nil && len(*e.FullName) > MaxNameLen {
		return Checked{}, &FieldError{Field: FieldName, Reason: "too_long"}
	}
	if out.Input.Phone, err = checkPhoneOf(kind, e.Phone, region); err != nil {
		return Checked{}, err
	}
	if err := checkCodeAndHint(e.Code, e.Hint); err != nil {
		return Checked{}, err
	}
	switch {
	case e.Code == nil:
		out.Input.AccessCodeHint = e.Hint // only ever "" here: clearing the hint
	case *e.Code == "":
		empty := ""
		out.Input.AccessCodeHash, out.Input.AccessCodeHint = &empty, &empty
	default:
		hint := "" // a new code replaces the old code's hint
		if e.Hint != nil {
			hint = *e.Hint
		}
		out.Code, out.Input.AccessCodeHint = *e.Code, &hint
	}
	return out, nil
}

func checkPhoneOf(kind string, p *string, region string) (*string, error) {
	if p == nil || *p == "" {
		return p, nil
	}
	if kind == db.KindDomain {
		return nil, &FieldError{Field: FieldPhone, Reason: "phone_on_domain"}
	}
	e164, err := CheckPhone(*p, region)
	return &e164, err
}

func checkCodeAndHint(code, hint *string) error {
	h := ""
	if hint != nil {
		h = *hint
	}
	if len(h) > MaxHintLen {
		return &FieldError{Field: FieldHint, Reason: "too_long"}
	}
	if code == nil || *code == "" {
		if h != "" {
			return &FieldError{Field: FieldHint, Reason: "hint_without_code"}
		}
		return nil
	}
	return CheckAccessCode(*code, h)
}

// CheckAccessCode enforces the access-code rules: at least MinCodeLen
// characters, and a hint that does not give the code away.
func CheckAccessCode(code, hint string) error {
	n := utf8.RuneCountInString(code)
	switch {
	case n < MinCodeLen:
		return &FieldError{Field: FieldCode, Reason: "code_too_short"}
	case n > MaxCodeLen:
		return &FieldError{Field: FieldCode, Reason: "too_long"}
	case hint != "" && strings.Contains(fold(hint), fold(code)):
		return &FieldError{Field: FieldHint, Reason: "hint_contains_code"}
	}
	return nil
}

// fold ignores case and white space, so "Hint: ABC 12345" still gives away "abc12345".
func fold(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "")
}

// CheckPhone reads a mobile number typed in region's conventions into
// E.164; the error is a *FieldError (bad_phone or not_mobile).
func CheckPhone(s, region string) (string, error) {
	e164, err := phone.Parse(s, region)
	if err == nil {
		return e164, nil
	}
	var pe *phone.Error
	if errors.As(err, &pe) {
		return "", &FieldError{Field: FieldPhone, Reason: pe.Reason}
	}
	return "", &FieldError{Field: FieldPhone, Reason: "bad_phone"}
}

// CheckKey reads an entry's address or domain ("@example.org" or
// "example.org" is an organisation-wide entry); the error is a
// *FieldError (bad_address).
func CheckKey(s string) (kind, key string, err error) {
	kind, key, err = db.NormalizeContactKey(s)
	if err != nil {
		return "", "", &FieldError{Field: FieldKey, Reason: "bad_address"}
	}
	return kind, key, nil
}
