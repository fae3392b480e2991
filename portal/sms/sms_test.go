package sms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	if got, want := Mask("+31612345678"), "+31 6 ●●●● ●●78"; got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if got := Mask("nonsense"); strings.ContainsAny(got, "0123456789") {
		t.Errorf("Mask(nonsense) = %q", got)
	}
}

func TestIsTemporary(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("plain"), false},
		{&Error{Temporary: true}, true},
		{&Error{Status: 400}, false},
		{fmt.Errorf("sending code: %w", &Error{Temporary: true, Status: 503}), true},
	}
	for _, c := range cases {
		if got := IsTemporary(c.err); got != c.want {
			t.Errorf("IsTemporary(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestInvalidMessagesAreRefusedBeforeSending(t *testing.T) {
	srv := newRecorder(t, 200, "")
	w, err := NewWebhook(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]Message{
		"national number": {To: "0612345678", Text: "x"},
		"letters":         {To: "+31abc", Text: "x"},
		"empty text":      {To: "+31612345678"},
		"newline in ref":  {To: "+31612345678", Text: "x", Reference: "a\nTo: +1"},
		"long ref":        {To: "+31612345678", Text: "x", Reference: strings.Repeat("r", 129)},
	} {
		err := w.Send(context.Background(), m)
		if err == nil || IsTemporary(err) {
			t.Errorf("%s: err = %v, want a permanent error", name, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server got %d requests for invalid messages", n)
	}
}

func TestNew(t *testing.T) {
	logger, _ := logBuffer()
	twilio := TwilioConfig{AccountSID: "AC123", AuthToken: "tok", From: "+3197010000000"}
	cases := []struct {
		name, kind string
		cfg        Config
		want       string // "" for success, else part of the error
	}{
		{"log", "log", Config{Logger: logger}, ""},
		{"log, any case", " LOG ", Config{Logger: logger}, ""},
		{"log without logger", "log", Config{}, "needs a logger"},
		{"webhook", "webhook", Config{WebhookURL: "https://sms.example/send"}, ""},
		{"webhook without URL", "webhook", Config{}, "needs a URL"},
		{"webhook with ftp URL", "webhook", Config{WebhookURL: "ftp://sms.example/"}, "http or https"},
		{"twilio", "twilio", Config{Twilio: twilio}, ""},
		{"twilio without SID", "twilio", Config{Twilio: TwilioConfig{AuthToken: "t", From: "x"}}, "account SID"},
		{"twilio without token", "twilio", Config{Twilio: TwilioConfig{AccountSID: "AC1", From: "x"}}, "auth token"},
		{"twilio without sender", "twilio", Config{Twilio: TwilioConfig{AccountSID: "AC1", AuthToken: "t"}}, "From number"},
		{"nothing", "", Config{}, "no gateway chosen"},
		{"unknown", "carrier-pigeon", Config{}, `unknown gateway "carrier-pigeon"`},
	}
	for _, c := range cases {
		s, err := New(c.kind, c.cfg)
		switch {
		case c.want == "" && (err != nil || s == nil):
			t.Errorf("%s: New = %v, %v; want a sender", c.name, s, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		case c.want != "" && s != nil:
			t.Errorf("%s: New returned a non-nil Sender %#v with its error", c.name, s)
		}
	}
}
