package intake

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

// TestEnvelope runs MAIL and RCPT scenarios after AUTH (or without it).
func TestEnvelope(t *testing.T) {
	rcpt := []string{"carol@client.example"}
	tests := []struct {
		name    string
		auth    bool
		from    string
		to      []string
		code    int // 0: accepted
		enh     smtp.EnhancedCode
		wantRcp []string
	}{
		{"own address", true, alice, rcpt, 0, smtp.EnhancedCode{}, rcpt},
		{"upper-case domain", true, "alice@EXAMPLE.COM", rcpt, 0, smtp.EnhancedCode{}, rcpt},
		{"alias", true, aliceAka, rcpt, 0, smtp.EnhancedCode{}, rcpt},
		{"before AUTH", false, alice, rcpt, 530, smtp.EnhancedCode{5, 7, 0}, nil},
		{"someone else", true, bob, rcpt, 550, smtp.EnhancedCode{5, 7, 1}, nil},
		{"other local-part case", true, "Alice@example.com", rcpt, 0, smtp.EnhancedCode{}, rcpt},
		{"all upper-case", true, "ALICE@EXAMPLE.COM", rcpt, 0, smtp.EnhancedCode{}, rcpt},
		{"alias upper-case", true, "A.Smith@Example.COM", rcpt, 0, smtp.EnhancedCode{}, rcpt},
		{"outsider", true, "mallory@evil.example", rcpt, 550, smtp.EnhancedCode{5, 7, 1}, nil},
		{"empty sender", true, "", rcpt, 501, smtp.EnhancedCode{5, 1, 3}, nil},
		{"malformed sender", true, "alice@example", rcpt, 501, smtp.EnhancedCode{5, 1, 3}, nil},
		{"malformed recipient", true, alice, []string{"carol@@client"}, 501, smtp.EnhancedCode{5, 1, 3}, nil},
		{"recipients deduplicated in order", true, alice,
			[]string{"b@client.example", "a@CLIENT.example", "b@client.example"}, 0, smtp.EnhancedCode{},
			[]string{"b@client.example", "a@client.example"}},
	}
	e := newEnv(t, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial(t)
			if tt.auth {
				e.loginOn(t, c)
			}
			before, _, _ := e.sub.state()
			err := send(c, tt.from, tt.to, mail(alice, "hi", "hello"))
			subs, _, _ := e.sub.state()
			if tt.code != 0 {
				wantCode(t, err, tt.code, tt.enh)
				if len(subs) != len(before) {
					t.Error("a refused transaction was submitted")
				}
				return
			}
			must(t, err)
			got := subs[len(subs)-1]
			if !slices.Equal(got.Rcpts, tt.wantRcp) || got.User.ID != e.user.ID {
				t.Errorf("submitted rcpts %q user %d", got.Rcpts, got.User.ID)
			}
			if !strings.EqualFold(got.MailFrom, tt.from) || (got.MailFrom != alice && got.MailFrom != aliceAka) {
				t.Errorf("MAIL FROM %q submitted as %q, want the address as stored", tt.from, got.MailFrom)
			}
		})
	}
}

// TestTooManyRecipients refuses the 101st recipient with 452 and still
// takes the message for the first 100.
func TestTooManyRecipients(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.login(t)
	must(t, c.Mail(alice, nil))
	for i := 1; i <= 100; i++ {
		must(t, c.Rcpt(fmt.Sprintf("r%d@client.example", i), nil))
	}
	wantCode(t, c.Rcpt("r101@client.example", nil), 452, smtp.EnhancedCode{4, 5, 3})
	w, err := c.Data()
	must(t, err)
	_, err = w.Write([]byte(mail(alice, "many", "hello")))
	must(t, err)
	must(t, w.Close())
	subs, _, _ := e.sub.state()
	if len(subs) != 1 || len(subs[0].Rcpts) != 100 {
		t.Fatalf("submitted %d messages", len(subs))
	}
}

// TestDataWithoutRcpt is refused by go-smtp before Data runs.
func TestDataWithoutRcpt(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.login(t)
	must(t, c.Mail(alice, nil))
	_, err := c.Data()
	wantCode(t, err, 502, smtp.EnhancedCode{5, 5, 1})
}

// loginOn signs in as alice on an open client.
func (e *env) loginOn(t *testing.T, c *smtp.Client) {
	t.Helper()
	must(t, c.Auth(saslPlain(alice, password)))
}
