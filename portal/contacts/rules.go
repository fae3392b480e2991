package contacts

import (
	"errors"
	"strings"
	"unicode/utf8"

	"sluis/db"
	"sluis/portal/phone"
)

// Access-code bounds.
const (
	MinCodeLen = 8
	MaxCodeLen = 128
)

// FieldError is one invalid field; Reason is a translation key
// ("reason.<Reason>").
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// CheckAccessCode enforces the access-code rules: at least MinCodeLen
// characters, and a hint that does not give the code away.
func CheckAccessCode(code, hint string) error {
	n := utf8.RuneCountInString(code)
	switch {
	case n < MinCodeLen:
		return &FieldError{Field: "access_code", Reason: "code_too_short"}
	case n > MaxCodeLen:
		return &FieldError{Field: "access_code", Reason: "too_long"}
	case hint != "" && strings.Contains(fold(hint), fold(code)):
		return &FieldError{Field: "access_code_hint", Reason: "hint_contains_code"}
	}
	return nil
}

// fold ignores case and white space, so "Hint: ABC 12345" still gives away "abc12345".
func fold(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "")
}

// CheckPhone reads a mobile number typed in region's conventions into E.164.
func CheckPhone(s, region string) (string, error) {
	e164, err := phone.Parse(s, region)
	var pe *phone.Error
	if errors.As(err, &pe) {
		return "", &FieldError{Field: "phone_number", Reason: pe.Reason}
	}
	return e164, err
}

// CheckKey reads an entry's address or domain ("@example.org" or
// "example.org" is an organisation-wide entry).
func CheckKey(s string) (kind, key string, err error) {
	kind, key, err = db.NormalizeContactKey(s)
	var inv *db.InvalidError
	if errors.As(err, &inv) {
		return "", "", &FieldError{Field: "email_address", Reason: "bad_address"}
	}
	return kind, key, err
}
