package main

import (
	"net/mail"
	"testing"
)

// TestMailFromDefault: without --mail-from, Sluis's own mail comes from
// sluis@ the host of --base-url, as the README says, for a demo's
// localhost too; the address is one a mail parser reads back unchanged.
func TestMailFromDefault(t *testing.T) {
	for _, tc := range []struct{ base, from, want string }{
		{"https://secure.voorbeeld.nl", "", "sluis@secure.voorbeeld.nl"},
		{"https://Secure.Voorbeeld.NL:8443/portal", "", "sluis@secure.voorbeeld.nl"},
		{"http://localhost:8080", "", "sluis@localhost"},
		{"http://127.0.0.1:8080", "", "sluis@localhost"},
		{"http://localhost:8080", "noreply@zkh.test", "noreply@zkh.test"},
	} {
		c := config{BaseURL: tc.base, MailFrom: tc.from}
		got, err := c.mailFrom()
		if err != nil || got != tc.want {
			t.Errorf("base %q from %q: got %q, %v; want %q", tc.base, tc.from, got, err, tc.want)
			continue
		}
		if a, err := mail.ParseAddress(got); err != nil || a.Address != got {
			t.Errorf("%q does not parse as a mail address: %v", got, err)
		}
	}
	for _, bad := range []config{{BaseURL: "http://localhost", MailFrom: "not an address"}, {BaseURL: "::"}, {BaseURL: "http://192.0.2.7:8080"}} {
		if got, err := bad.mailFrom(); err == nil {
			t.Errorf("%+v: got %q, want an error", bad, got)
		}
	}
}
