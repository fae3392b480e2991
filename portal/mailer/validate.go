package mailer

import (
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidMessage is wrapped by every error about a malformed Message.
// Such a message can never be sent, so the error is final.
var ErrInvalidMessage = errors.New("mailer: invalid message")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// reserved are the header fields Compose writes itself; Message.Headers may
// not replace them (Content-* is refused as a prefix).
var reserved = []string{
	"Auto-Submitted", "Bcc", "Cc", "Date", "From", "Message-Id",
	"Mime-Version", "Reply-To", "Sender", "Subject", "To",
	"X-Auto-Response-Suppress",
}

var (
	fieldName = regexp.MustCompile(`^[!-9;-~]+$`) // RFC 5322 ftext
	langTag   = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)
)

func (m *Message) validate() error {
	if err := validateMailbox("From", m.From); err != nil {
		return err
	}
	if err := validateRecipients(m.To); err != nil {
		return err
	}
	if m.ReplyTo != nil {
		if err := validateMailbox("Reply-To", *m.ReplyTo); err != nil {
			return err
		}
	}
	if !utf8.ValidString(m.Subject + m.Text + m.HTML) {
		return invalidf("subject or body is not UTF-8")
	}
	if strings.TrimSpace(m.Text) == "" {
		return invalidf("no text body")
	}
	if m.Lang != "" && !langTag.MatchString(m.Lang) {
		return invalidf("Content-Language %q is not a language tag", m.Lang)
	}
	return validateHeaders(m.Headers)
}

func validateRecipients(to []Address) error {
	if len(to) == 0 {
		return invalidf("no recipients")
	}
	for _, a := range to {
		if err := validateMailbox("To", a); err != nil {
			return err
		}
	}
	return nil
}

func validateMailbox(field string, a Address) error {
	if !utf8.ValidString(a.Name) || strings.ContainsFunc(a.Name, unicode.IsControl) {
		return invalidf("%s display name is not UTF-8 text on one line", field)
	}
	if err := validateAddr(a.Addr); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

// validateAddr accepts a bare ASCII addr-spec with a domain. Non-ASCII
// addresses would need SMTPUTF8 end to end, which the relay may lack.
func validateAddr(addr string) error {
	p, err := mail.ParseAddress(addr)
	if err != nil || p.Name != "" || p.Address != addr {
		return invalidf("%q is not a bare e-mail address", addr)
	}
	if strings.ContainsFunc(addr, func(r rune) bool { return r > unicode.MaxASCII }) {
		return invalidf("%q is not an ASCII e-mail address", addr)
	}
	return nil
}

func validateHeaders(hs map[string]string) error {
	for k, v := range hs {
		if !fieldName.MatchString(k) {
			return invalidf("header name %q is not valid", k)
		}
		canon := textproto.CanonicalMIMEHeaderKey(k)
		if slices.Contains(reserved, canon) || strings.HasPrefix(canon, "Content-") {
			return invalidf("header %s is set by the mailer", canon)
		}
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return invalidf("header %s is not UTF-8 text on one line", canon)
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
