// Package phone reads the mobile numbers people type ("+31 6 1234 5678",
// "0031612345678", "06-12345678" with the organisation's country) into
// E.164, and refuses what is not a mobile number: an SMS code sent to a
// landline never arrives, and a wrong number may reach a stranger.
package phone

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Error says why a number was refused; Reason is a translation key.
type Error struct {
	Reason string // "bad_phone" or "not_mobile"
}

func (e *Error) Error() string {
	if e.Reason == "not_mobile" {
		return "not a mobile number"
	}
	return "not a valid phone number"
}

// Parse reads s and returns it in E.164. region is the ISO 3166 country
// used for numbers written without a country code ("NL"); "" demands one.
func Parse(s, region string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 40 {
		return "", &Error{Reason: "bad_phone"}
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	if region == "" {
		region = "ZZ"
	}
	n, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", &Error{Reason: "bad_phone"}
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", &Error{Reason: "not_mobile"}
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// Region returns the ISO 3166 region of an E.164 number ("NL"), or "".
func Region(e164 string) string {
	n, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}

// Mask shows enough of a number for its owner to recognise it and nothing
// more: +31612345678 becomes "+31 6 ●●●● ●●78".
func Mask(e164 string) string {
	n, err := phonenumbers.Parse(e164, "ZZ")
	if err != nil {
		return "●●●●"
	}
	nsn := phonenumbers.GetNationalSignificantNumber(n)
	if len(nsn) < 4 {
		return "●●●●"
	}
	hidden := len(nsn) - 3 // the first digit and the last two stay
	var b strings.Builder
	b.WriteString("+" + strconv.Itoa(int(n.GetCountryCode())) + " " + nsn[:1] + " ")
	for i := 0; i < hidden; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteString("●")
	}
	if hidden%4 == 0 {
		b.WriteByte(' ')
	}
	b.WriteString(nsn[len(nsn)-2:])
	return b.String()
}
