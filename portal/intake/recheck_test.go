package intake

import (
	"context"
	"testing"

	"github.com/emersion/go-smtp"

	"sluis/portal/secret"
)

// TestSignedOutAtNextMail refuses the next transaction of a connection
// that signed in before its user was disabled, or got a new password, and
// ends the connection; while nothing changes, it goes on.
func TestSignedOutAtNextMail(t *testing.T) {
	ctx := context.Background()
	rcpt := []string{"carol@client.example"}
	tests := []struct {
		name   string
		change func(t *testing.T, e *env)
		retry  string // the password that signs in again, "" for none
	}{
		{"disabled", func(t *testing.T, e *env) {
			must(t, e.store.SetUserDisabled(ctx, e.user.OrgID, e.user.ID, true))
		}, ""},
		{"new password", func(t *testing.T, e *env) {
			hash, err := secret.HashWith(cheap, "a new password of the owner")
			must(t, err)
			must(t, e.store.SetPassword(ctx, e.user.OrgID, e.user.ID, hash))
		}, "a new password of the owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			c := e.login(t)
			must(t, send(c, alice, rcpt, mail(alice, "first", "before the change")))
			must(t, send(c, alice, rcpt, mail(alice, "again", "nothing changed yet")))
			tt.change(t, e)
			wantCode(t, send(c, alice, rcpt, mail(alice, "second", "after the change")), 421, smtp.EnhancedCode{4, 7, 0})
			if err := c.Noop(); err == nil {
				t.Error("the connection is still open")
			}
			if subs, _, _ := e.sub.state(); len(subs) != 2 {
				t.Errorf("%d messages submitted, want the two before the change", len(subs))
			}
			wantWrong(t, e.dial(t).Auth(saslPlain(alice, password)))
			if tt.retry != "" {
				must(t, e.dial(t).Auth(saslPlain(alice, tt.retry)))
			}
		})
	}
}
