package policy

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
)

// Values of the verification setting.
const (
	VerifyAlways = "always"
	VerifyNever  = "never"
)

// Verification methods a unit may allow, and "none" for the default
// method of a recipient without data (held until the sender adds it).
const (
	MethodSMS        = "sms"
	MethodAccessCode = "access_code"
	MethodNone       = "none"
)

// Read-receipt modes (DESIGN, "Read receipts").
const (
	ReceiptsOff      = "off"
	ReceiptsInternal = "internal_allowlist"
	ReceiptsAny      = "any"
)

// Limits of the read-receipt allowlist.
const (
	MaxAllowlist     = 100
	MaxAllowlistAddr = 256
)

// ValueError is a rejected value; Reason is a translation key suffix
// ("policy.error.<Reason>").
type ValueError struct {
	Reason string
	Value  string // the offending part, when there is one
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("policy: bad value (%s) %q", e.Reason, e.Value)
}

func checkOneOf(allowed ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(allowed, v) {
			return &ValueError{Reason: "bad_choice", Value: v}
		}
		return nil
	}
}

func checkMethods(v string) error {
	list := splitList(v)
	if len(list) == 0 {
		return &ValueError{Reason: "no_method"}
	}
	for _, m := range list {
		if m != MethodSMS && m != MethodAccessCode {
			return &ValueError{Reason: "bad_choice", Value: m}
		}
	}
	return nil
}

func checkSize(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return &ValueError{Reason: "bad_size", Value: v}
	}
	return nil
}

// MaxRememberDays is the longest a unit may let a recipient's device be
// remembered.
const MaxRememberDays = 90

// checkRememberDays accepts whole days from 0 (never) to MaxRememberDays.
func checkRememberDays(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxRememberDays {
		return &ValueError{Reason: "bad_remember_days", Value: v}
	}
	return nil
}

// checkAllowlist accepts at most MaxAllowlist addresses, each a plain
// address of at most MaxAllowlistAddr characters, separated by commas.
func checkAllowlist(v string) error {
	_, err := ParseAllowlist(v)
	return err
}

// ParseAllowlist reads a comma-separated list of external addresses, as
// typed in the admin form, into lower-case addresses without repeats.
func ParseAllowlist(v string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(v, ",") {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || slices.Contains(out, a) {
			continue
		}
		if len(a) > MaxAllowlistAddr {
			return nil, &ValueError{Reason: "allowlist_too_long", Value: a[:40] + "…"}
		}
		if p, err := mail.ParseAddress(a); err != nil || p.Address != a || p.Name != "" {
			return nil, &ValueError{Reason: "allowlist_bad_address", Value: a}
		}
		out = append(out, a)
	}
	if len(out) > MaxAllowlist {
		return nil, &ValueError{Reason: "allowlist_too_many", Value: strconv.Itoa(len(out))}
	}
	return out, nil
}

// normalize writes a checked value the one way it is stored.
func normalize(name, v string) string {
	switch name {
	case ReceiptAllowlist:
		list, _ := ParseAllowlist(v)
		return strings.Join(list, ",")
	case MethodsAllowed:
		list := splitList(v)
		slices.Sort(list)
		return strings.Join(slices.Compact(list), ",")
	}
	return strings.TrimSpace(v)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ReceiptPolicy is a unit's read-receipt rule.
type ReceiptPolicy struct {
	Mode      string   // ReceiptsOff, ReceiptsInternal or ReceiptsAny
	Allowlist []string // external addresses, lower case
	Ask       bool     // ReceiptsInternal: ask the reader each time
}

// Allowed reports whether the address is on the allowlist.
func (p ReceiptPolicy) Allowed(addr string) bool {
	return slices.Contains(p.Allowlist, strings.ToLower(addr))
}
