package intake

import (
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TestAuth runs AUTH conversations: the right password signs in by PLAIN or
// LOGIN, and every kind of failure gets one and the same reply.
func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		client sasl.Client
		ok     bool
	}{
		{"plain", sasl.NewPlainClient("", alice, password), true},
		{"login", sasl.NewLoginClient(alice, password), true},
		{"plain with alias", sasl.NewPlainClient("", aliceAka, password), true},
		{"plain upper-case domain", sasl.NewPlainClient("", "alice@EXAMPLE.com", password), true},
		{"plain upper-case address", sasl.NewPlainClient("", strings.ToUpper(alice), password), true}, // as mail programs keep it typed
		{"login upper-case alias", sasl.NewLoginClient(strings.ToUpper(aliceAka), password), true},
		{"upper-case unknown user", sasl.NewPlainClient("", "NOBODY@example.com", password), false},
		{"plain same identity", sasl.NewPlainClient(alice, alice, password), true},
		{"wrong password", sasl.NewPlainClient("", alice, "Wr0ng-pass"), false},
		{"unknown user", sasl.NewPlainClient("", "nobody@example.com", password), false},
		{"disabled user", sasl.NewPlainClient("", bob, password), false},
		{"login wrong password", sasl.NewLoginClient(alice, "Wr0ng-pass"), false},
		{"not an address", sasl.NewPlainClient("", "alice", password), false},
		{"other identity", sasl.NewPlainClient(bob, alice, password), false},
	}
	e := newEnv(t, nil, nil)
	var failure string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial(t)
			err := c.Auth(tt.client)
			if tt.ok {
				must(t, err)
				must(t, send(c, alice, []string{"carol@client.example"}, mail(alice, "hi", "hello")))
				return
			}
			se := wantCode(t, err, 535, smtp.EnhancedCode{5, 7, 8})
			if failure == "" {
				failure = se.Message
			} else if se.Message != failure {
				t.Errorf("failure reply %q differs from %q: it tells addresses apart", se.Message, failure)
			}
		})
	}
	if logs := e.logs.String(); strings.Contains(logs, password) || strings.Contains(logs, "Wr0ng-pass") {
		t.Errorf("a password reached the log:\n%s", logs)
	}
}

// TestAuthMalformed answers a PLAIN response that is not three fields with
// a permanent syntax error, not go-smtp's temporary 454.
func TestAuthMalformed(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := rawDial(t, e.addr)
	c.cmd(t, "EHLO client.test", 250)
	c.cmd(t, "AUTH PLAIN bm9udWxz", 501) // "nonuls"
}

// TestPlaintextAuth offers AUTH without TLS only to loopback peers, or to
// everyone with InsecureAuth.
func TestPlaintextAuth(t *testing.T) {
	notLoopback := func(s *Server) { s.isLoopback = func(net.Addr) bool { return false } }
	insecure := func(o *Options) { o.InsecureAuth = true }
	tests := []struct {
		name string
		tune func(*Options)
		hook func(*Server)
		ok   bool
	}{
		{"loopback", nil, nil, true},
		{"remote", nil, notLoopback, false},
		{"remote with insecure auth", insecure, notLoopback, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.tune, tt.hook)
			c := e.dial(t)
			if got := c.SupportsAuth("PLAIN"); got != tt.ok {
				t.Errorf("AUTH PLAIN advertised: %v, want %v", got, tt.ok)
			}
			err := c.Auth(sasl.NewPlainClient("", alice, password))
			if tt.ok {
				must(t, err)
				return
			}
			wantCode(t, err, 538, smtp.EnhancedCode{5, 7, 11})
		})
	}
}

// TestAuthAllowed is the decision behind TestPlaintextAuth.
func TestAuthAllowed(t *testing.T) {
	for _, tt := range []struct{ tls, insecure, loopback, want bool }{
		{false, false, false, false},
		{true, false, false, true},
		{false, true, false, true},
		{false, false, true, true},
	} {
		if got := authAllowed(tt.tls, tt.insecure, tt.loopback); got != tt.want {
			t.Errorf("authAllowed(tls=%v, insecure=%v, loopback=%v) = %v", tt.tls, tt.insecure, tt.loopback, got)
		}
	}
}

// TestLoginServer walks LOGIN without an initial response, as Outlook and
// Thunderbird do.
func TestLoginServer(t *testing.T) {
	var got [2]string
	l := &loginServer{authenticate: func(_, u, p string) error { got = [2]string{u, p}; return nil }}
	steps := []struct {
		in   []byte
		want string
		done bool
	}{{nil, "Username:", false}, {[]byte(alice), "Password:", false}, {[]byte(password), "", true}}
	for i, s := range steps {
		ch, done, err := l.Next(s.in)
		if err != nil || string(ch) != s.want || done != s.done {
			t.Fatalf("step %d: %q %v %v", i, ch, done, err)
		}
	}
	if got != [2]string{alice, password} {
		t.Errorf("authenticated %q", got)
	}
	if _, _, err := l.Next([]byte("more")); err == nil {
		t.Error("a response after the end was accepted")
	}
}
