package db

import (
	"net/mail"
	"regexp"
	"strings"
)

// NormalizeAddress checks that s is one bare mail address and returns it in
// stored form: trimmed, with the domain lower-cased. The local part keeps its
// case (RFC 5321 leaves it to the receiving host).
func NormalizeAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " <>\"\r\n\t,;") {
		return "", invalid("address", "bad_address", clip(s))
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", invalid("address", "bad_address", clip(s))
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 {
		return "", invalid("address", "bad_address", clip(s))
	}
	domain, err = NormalizeDomain(domain)
	if err != nil {
		return "", invalid("address", "bad_address", clip(s))
	}
	return local + "@" + domain, nil
}

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// NormalizeDomain checks that s is a mail domain (at least two labels) and
// returns it lower-cased, without a trailing dot.
func NormalizeDomain(s string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if len(d) > 253 || !domainRE.MatchString(d) {
		return "", invalid("domain", "bad_domain", clip(s))
	}
	return d, nil
}

// DomainOf returns the domain of a normalised address.
func DomainOf(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// checkE164 checks the shape of a stored phone number. Whether it is a
// mobile number is the caller's business (portal/phone), which parses what
// people type; the store only refuses what is not E.164.
func checkE164(s string) error {
	if s != "" && !e164RE.MatchString(s) {
		return invalid("phone", "bad_phone", clip(s))
	}
	return nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
