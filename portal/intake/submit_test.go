package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"sluis/db"
	"sluis/portal/mime"
)

type tempErr struct{}

func (tempErr) Error() string   { return "try later" }
func (tempErr) Temporary() bool { return true }

// TestReplies maps failures of the parser, the input and the submitter to
// SMTP replies: permanent only when someone said so, else temporary.
func TestReplies(t *testing.T) {
	reject := &RejectError{Code: 550, Enhanced: [3]int{5, 7, 1}, Message: "no\r\n250 ok"}
	tests := []struct {
		name    string
		err     error
		readErr error
		code    int
		text    string
	}{
		{"busy", fmt.Errorf("x: %w", db.ErrBusy), nil, 451, ""},
		{"temporary", fmt.Errorf("x: %w", tempErr{}), nil, 451, ""},
		{"deadline", context.DeadlineExceeded, nil, 451, ""},
		{"reject", fmt.Errorf("x: %w", reject), nil, 550, "no  250 ok"},
		{"reject busy", errors.Join(reject, db.ErrBusy), nil, 451, ""},
		{"reject with 2xx code", &RejectError{Code: 250, Message: "fine"}, nil, 451, ""},
		{"unknown", errors.New("boom"), nil, 451, ""},
		{"permanent mime", &mime.Error{Msg: "Bad.", Permanent: true}, nil, 554, "Bad."},
		{"temporary mime", &mime.Error{Msg: "Later."}, nil, 451, "Later."},
		{"too large in sink", errors.New("storing: too large"), smtp.ErrDataTooLarge, 552, ""},
		{"connection lost", &mime.Error{Msg: "Bad.", Permanent: true}, io.ErrUnexpectedEOF, 451, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := dataReply(tt.err, tt.readErr)
			if r == nil || r.Code != tt.code || !strings.Contains(r.Message, tt.text) {
				t.Errorf("got %+v, want %d %q", r, tt.code, tt.text)
			}
		})
	}
	if dataReply(nil, nil) != nil {
		t.Error("success is not 250")
	}
}

// TestTransactionLog writes one line per message with counts, never the
// addresses, subject, body or password.
func TestTransactionLog(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.login(t)
	rcpts := []string{"carol@client.example", "dave@client.example"}
	must(t, send(c, alice, rcpts, mail(alice, "Quarterly secrets", "the merger is on")))
	_ = send(c, alice, rcpts, mail("mallory@evil.example", "Quarterly secrets", "the merger is on"))
	logs := e.logs.String()
	for _, want := range []string{"smtp message accepted", "smtp message refused", "recipients=2", "code=550",
		"user_id=", "size=", "duration=", "remote=127.0.0.1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{"carol@", "dave@", "Quarterly", "merger", "mallory", password} {
		if strings.Contains(logs, secret) {
			t.Errorf("log shows %q:\n%s", secret, logs)
		}
	}
}
