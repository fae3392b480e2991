package main

// reasonText is the terminal's English for the validation reasons of the
// store and the import (the portal translates the same keys).
func reasonText(key string) string {
	if s, ok := reasons[key]; ok {
		return s
	}
	return key
}

var reasons = map[string]string{
	"bad_address":        "not a mail address",
	"bad_domain":         "not a mail domain",
	"bad_phone":          "not a valid phone number",
	"not_mobile":         "not a mobile number",
	"code_too_short":     "the access code needs at least 8 characters",
	"too_long":           "too long",
	"hint_contains_code": "the hint contains the access code",
	"hint_without_code":  "a hint without an access code",
	"duplicate_in_file":  "the address appears earlier in the file",
	"phone_on_domain":    "a domain entry takes an access code, not a phone number",
	"missing":            "missing",
	"bad_role":           "the role must be sender or admin",
	"bad_language":       "the language must be nl, fr or en",
	"bad_country":        "the country must be a two-letter code such as NL",
	"bad_name":           "a name of 1 to 200 characters is needed",
	"not_org_domain":     "the address is not at one of the organisation's domains",
	"cycle":              "a unit cannot move below itself",
	"is_root":            "the root unit cannot be moved or removed",
}
