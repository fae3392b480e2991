package mailer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestRelaySend(t *testing.T) {
	users := map[string]string{"sluis@sluis.test": "pa:ss@word"}
	tests := []struct {
		name     string
		opts     relayOpts
		user     string
		wantTLS  bool
		wantAuth string
	}{
		// "plain" also pins errNoStartTLS: a changed go-smtp text fails it.
		{name: "plain", opts: relayOpts{}},
		{name: "STARTTLS", opts: relayOpts{startTLS: true}, wantTLS: true},
		{name: "STARTTLS and AUTH PLAIN", opts: relayOpts{startTLS: true, users: users},
			user: "sluis@sluis.test", wantTLS: true, wantAuth: "sluis@sluis.test"},
		{name: "STARTTLS and AUTH LOGIN", opts: relayOpts{startTLS: true, users: users, loginOnly: true},
			user: "sluis@sluis.test", wantTLS: true, wantAuth: "sluis@sluis.test"},
		{name: "implicit TLS and AUTH PLAIN", opts: relayOpts{implicitTLS: true, users: users},
			user: "sluis@sluis.test", wantTLS: true, wantAuth: "sluis@sluis.test"},
		{name: "clear-text AUTH on loopback", opts: relayOpts{insecureOK: true, users: users},
			user: "sluis@sluis.test", wantAuth: "sluis@sluis.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRelay(t, tt.opts)
			cfg := srv.config()
			if tt.user != "" {
				cfg.Username, cfg.Password = tt.user, users[tt.user]
			}
			m := testMessage()
			res, err := NewRelay(cfg, testMailFrom).Send(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.received()
			if len(got) != 1 {
				t.Fatalf("relay received %d messages", len(got))
			}
			mail := got[0]
			if mail.From != testMailFrom || !slices.Equal(mail.To, []string{"anne@example.org"}) {
				t.Errorf("envelope %s -> %v", mail.From, mail.To)
			}
			if mail.TLS != tt.wantTLS || mail.AuthUser != tt.wantAuth {
				t.Errorf("TLS %v, AUTH %q; want %v, %q", mail.TLS, mail.AuthUser, tt.wantTLS, tt.wantAuth)
			}
			if id := checkMessage(t, mail.Data, m); id != res.MessageID || res.Rejected != nil {
				t.Errorf("result %+v, header Message-ID %s", res, id)
			}
			if !strings.HasPrefix(res.Reply, "250 ") || len(res.Reply) < 6 { // kept for the proof of delivery
				t.Errorf("the relay's reply %q", res.Reply)
			}
		})
	}
}

func TestRelayReplies(t *testing.T) {
	userUnknown := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	greylisted := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "try later"}
	tests := []struct {
		name          string
		opts          relayOpts
		wantDelivered []string
		wantRejected  []Rejection
		wantTemporary bool
		wantPermanent string // stage
	}{
		{name: "550 for one recipient",
			opts:          relayOpts{rcpt: map[string]*smtp.SMTPError{"bob@example.net": userUnknown}},
			wantDelivered: []string{"anne@example.org"},
			wantRejected:  []Rejection{{"bob@example.net", 550, "5.1.1 no such user"}}},
		{name: "550 for every recipient",
			opts:          relayOpts{rcpt: map[string]*smtp.SMTPError{"anne@example.org": userUnknown, "bob@example.net": userUnknown}},
			wantRejected:  []Rejection{{"anne@example.org", 550, "5.1.1 no such user"}, {"bob@example.net", 550, "5.1.1 no such user"}},
			wantPermanent: StageRcpt},
		{name: "451 for one recipient",
			opts:          relayOpts{rcpt: map[string]*smtp.SMTPError{"bob@example.net": greylisted}},
			wantTemporary: true},
		{name: "552 at RCPT is temporary",
			opts:          relayOpts{rcpt: map[string]*smtp.SMTPError{"bob@example.net": {Code: 552, Message: "too many"}}},
			wantTemporary: true},
		{name: "553 at MAIL FROM",
			opts:          relayOpts{mail: &smtp.SMTPError{Code: 553, Message: "sender refused"}},
			wantPermanent: StageMail},
		{name: "421 at MAIL FROM",
			opts:          relayOpts{mail: &smtp.SMTPError{Code: 421, Message: "busy"}},
			wantTemporary: true},
		{name: "554 at DATA",
			opts:          relayOpts{data: &smtp.SMTPError{Code: 554, Message: "spam"}},
			wantPermanent: StageData},
		{name: "451 at DATA",
			opts:          relayOpts{data: greylisted},
			wantTemporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRelay(t, tt.opts)
			m := testMessage()
			m.To = append(m.To, Address{Addr: "bob@example.net"})
			res, err := NewRelay(srv.config(), testMailFrom).Send(context.Background(), m)
			if IsTemporary(err) != tt.wantTemporary {
				t.Errorf("IsTemporary(%v) = %v", err, IsTemporary(err))
			}
			var perm *PermanentError
			if gotPerm := errors.As(err, &perm); gotPerm != (tt.wantPermanent != "") ||
				gotPerm && perm.Stage != tt.wantPermanent {
				t.Errorf("err = %v, want permanent at %q", err, tt.wantPermanent)
			}
			if !slices.Equal(res.Rejected, tt.wantRejected) {
				t.Errorf("Rejected = %v, want %v", res.Rejected, tt.wantRejected)
			}
			var delivered []string
			for _, r := range srv.received() {
				delivered = append(delivered, r.To...)
			}
			if !slices.Equal(delivered, tt.wantDelivered) {
				t.Errorf("delivered to %v, want %v", delivered, tt.wantDelivered)
			}
		})
	}
}

func TestRelayFailuresAreTemporary(t *testing.T) {
	users := map[string]string{"sluis@sluis.test": "secret"}
	tests := []struct {
		name      string
		opts      relayOpts
		edit      func(t *testing.T, cfg *RelayConfig)
		ctx       func() context.Context
		wantStage string
	}{
		{name: "connection refused",
			edit:      func(t *testing.T, cfg *RelayConfig) { cfg.Port = closedPort(t) },
			wantStage: StageConnect},
		{name: "relay never answers",
			edit: func(t *testing.T, cfg *RelayConfig) {
				cfg.Port, cfg.Timeout = silentListener(t), 200*time.Millisecond
			},
			wantStage: StageConnect},
		{name: "context already cancelled",
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			wantStage: StageConnect},
		{name: "untrusted certificate at STARTTLS",
			opts:      relayOpts{startTLS: true},
			edit:      func(t *testing.T, cfg *RelayConfig) { cfg.TLSConfig = nil },
			wantStage: StageTLS},
		{name: "untrusted certificate with implicit TLS",
			opts:      relayOpts{implicitTLS: true},
			edit:      func(t *testing.T, cfg *RelayConfig) { cfg.TLSConfig = nil },
			wantStage: StageTLS},
		{name: "wrong password",
			opts: relayOpts{startTLS: true, users: users},
			edit: func(t *testing.T, cfg *RelayConfig) {
				cfg.Username, cfg.Password = "sluis@sluis.test", "wrong"
			},
			wantStage: StageAuth},
		{name: "relay offers no AUTH",
			opts: relayOpts{startTLS: true},
			edit: func(t *testing.T, cfg *RelayConfig) {
				cfg.Username, cfg.Password = "sluis@sluis.test", "secret"
			},
			wantStage: StageAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRelay(t, tt.opts)
			cfg := srv.config()
			if tt.edit != nil {
				tt.edit(t, &cfg)
			}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			_, err := NewRelay(cfg, testMailFrom).Send(ctx, testMessage())
			var temp *TemporaryError
			if !errors.As(err, &temp) || temp.Stage != tt.wantStage {
				t.Fatalf("err = %v, want temporary at %s", err, tt.wantStage)
			}
			if n := len(srv.received()); n != 0 {
				t.Errorf("relay received %d messages", n)
			}
		})
	}
}

// TestRelayRefusesClearTextPassword points a non-loopback host name at the
// test relay, which offers AUTH without TLS: the password must not be sent.
func TestRelayRefusesClearTextPassword(t *testing.T) {
	srv := startRelay(t, relayOpts{insecureOK: true, users: map[string]string{"u@sluis.test": "secret"}})
	cfg := srv.config()
	cfg.Host, cfg.Username, cfg.Password = "smtp.example.com", "u@sluis.test", "secret"
	relay := NewRelay(cfg, testMailFrom)
	relay.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.addr.String())
	}
	_, err := relay.Send(context.Background(), testMessage())
	var temp *TemporaryError
	if !errors.As(err, &temp) || temp.Stage != StageAuth || !strings.Contains(err.Error(), "clear text") {
		t.Fatalf("err = %v, want a temporary refusal to authenticate in clear text", err)
	}
	if srv.authCount() != 0 || len(srv.received()) != 0 {
		t.Errorf("relay saw %d AUTH attempts and %d messages", srv.authCount(), len(srv.received()))
	}
}

func TestRelaySendsRawAsIs(t *testing.T) {
	srv := startRelay(t, relayOpts{})
	raw := []byte("From: Sluis <noreply@sluis.test>\r\nTo: anne@example.org\r\n" +
		"Message-ID: <mdn-1@sluis.test>\r\nSubject: Gelezen\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n" +
		"--b\r\n\r\n.a line that starts with a dot\r\n..and two\r\n.\r\n--b--\r\n")
	m := &Message{To: []Address{{Addr: "anne@example.org"}}, Subject: "ignored", Raw: raw}
	res, err := NewRelay(srv.config(), testMailFrom).Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 || !bytes.Equal(got[0].Data, raw) {
		t.Fatalf("relay received %+v", got)
	}
	if res.MessageID != "<mdn-1@sluis.test>" {
		t.Errorf("MessageID = %q", res.MessageID)
	}
}

func TestIsTemporary(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("other"), false},
		{&TemporaryError{Stage: StageConnect, Err: errors.New("refused")}, true},
		{&PermanentError{Stage: StageData, Code: 554, Err: errors.New("spam")}, false},
		{ErrInvalidMessage, false},
	}
	for _, tt := range tests {
		for _, err := range []error{tt.err, wrap(tt.err)} {
			if got := IsTemporary(err); got != tt.want {
				t.Errorf("IsTemporary(%v) = %v", err, got)
			}
		}
	}
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	return errors.Join(errors.New("job"), err)
}
