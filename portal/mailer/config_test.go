package mailer

import (
	"strings"
	"testing"
)

func TestParseRelayURL(t *testing.T) {
	tests := []struct {
		in   string
		want RelayConfig
	}{
		{"smtp://mail.example.com:587", RelayConfig{Host: "mail.example.com", Port: 587}},
		{"smtp://mail.example.com", RelayConfig{Host: "mail.example.com", Port: 25}},
		{"smtp://mail.example.com:2525/", RelayConfig{Host: "mail.example.com", Port: 2525}},
		{"SMTPS://mail.example.com", RelayConfig{Host: "mail.example.com", Port: 465, ImplicitTLS: true}},
		{"smtp://[::1]:25", RelayConfig{Host: "::1", Port: 25}},
		{"smtp://sluis%40example.com:p%40ss%3Aw%2Frd@mail.example.com:587",
			RelayConfig{Host: "mail.example.com", Port: 587, Username: "sluis@example.com", Password: "p@ss:w/rd"}},
	}
	for _, tt := range tests {
		got, err := ParseRelayURL(tt.in)
		if err != nil || *got != tt.want {
			t.Errorf("ParseRelayURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRelayURLErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"mail.example.com:25", "smtp:// or smtps://"},
		{"http://mail.example.com", "smtp:// or smtps://"},
		{"smtp://", "no host"},
		{"smtp:mail.example.com", "no host"},
		{"smtp://mail.example.com:smtp", "port"},
		{"smtp://mail.example.com:0", "port"},
		{"smtp://mail.example.com:70000", "port"},
		{"smtp://mail.example.com:25/relay", "path"},
		{"smtp://mail.example.com:25?tls=no", "query"},
		{"smtp://user@mail.example.com", "both user and password"},
		{"smtp://:s3cret-pw@mail.example.com", "both user and password"},
		{"smtp://user:s3cret-pw@mail.example.com:bad", "port"},
		{"smtp://user:s3cret-pw%zz@mail.example.com", "escape"},
	}
	for _, tt := range tests {
		_, err := ParseRelayURL(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseRelayURL(%q) error = %v, want it to mention %q", tt.in, err, tt.wantErr)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseRelayURL(%q) error repeats the password: %v", tt.in, err)
		}
	}
}

func TestRelayConfigStringHidesPassword(t *testing.T) {
	cfg := RelayConfig{Host: "mail.example.com", Port: 465, ImplicitTLS: true, Username: "u@example.com", Password: "s3cret"}
	if got, want := cfg.String(), "smtps://u%40example.com:redacted@mail.example.com:465"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
