package sms

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const twilioCreated = `{"sid":"SM123","status":"queued"}`

func newTestTwilio(t *testing.T, baseURL string, mod func(*TwilioConfig)) *Twilio {
	t.Helper()
	cfg := TwilioConfig{AccountSID: "AC0123456789abcdef", AuthToken: "tw-auth-token", From: "+3197010000000", BaseURL: baseURL}
	if mod != nil {
		mod(&cfg)
	}
	tw, err := NewTwilio(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tw
}

func TestTwilioRequestShape(t *testing.T) {
	srv := newRecorder(t, http.StatusCreated, twilioCreated)
	if err := newTestTwilio(t, srv.URL+"/", nil).Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := srv.only(t)
	if want := "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"; r.Method != http.MethodPost || r.Path != want {
		t.Errorf("request = %s %s, want POST %s", r.Method, r.Path, want)
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("AC0123456789abcdef:tw-auth-token"))
	if got := r.Header.Get("Authorization"); got != auth {
		t.Errorf("Authorization = %q, want %q", got, auth)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != "Sluis" {
		t.Errorf("User-Agent = %q", ua)
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"To": {"+31612345678"}, "From": {"+3197010000000"}, "Body": {secretText}}
	if form.Encode() != want.Encode() {
		t.Errorf("form = %v, want %v", form, want)
	}
}

func TestTwilioMessagingService(t *testing.T) {
	srv := newRecorder(t, http.StatusCreated, twilioCreated)
	tw := newTestTwilio(t, srv.URL, func(c *TwilioConfig) { c.From = ""; c.MessagingServiceSID = "MG42" })
	if err := tw.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	form, err := url.ParseQuery(string(srv.only(t).Body))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("MessagingServiceSid") != "MG42" || form.Has("From") {
		t.Errorf("form = %v, want MessagingServiceSid and no From", form)
	}
}

func TestTwilioStatuses(t *testing.T) {
	cases := []struct {
		status    int
		ok        bool
		temporary bool
	}{
		{201, true, false},
		{200, false, false}, // Twilio creates with 201; anything else is not a send
		{400, false, false},
		{401, false, false},
		{429, false, true},
		{500, false, true},
		{503, false, true},
	}
	for _, c := range cases {
		srv := newRecorder(t, c.status, `<html>`+secretText+`</html>`)
		err := newTestTwilio(t, srv.URL, nil).Send(context.Background(), testMessage())
		if c.ok {
			if err != nil {
				t.Errorf("%d: err = %v, want accepted", c.status, err)
			}
			continue
		}
		assertClass(t, err, c.temporary, c.status)
		assertNoLeak(t, err, "tw-auth-token")
	}
}

func TestTwilioErrorParsed(t *testing.T) {
	body := `{"code": 21211, "message": "The 'To' number +31612345678 is not a valid phone number. Body: ` + secretText +
		`", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`
	srv := newRecorder(t, http.StatusBadRequest, body)
	err := newTestTwilio(t, srv.URL, nil).Send(context.Background(), testMessage())
	assertClass(t, err, false, 400)
	var te *TwilioError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TwilioError inside", err)
	}
	if te.Code != 21211 || te.Status != 400 {
		t.Errorf("TwilioError = %+v, want code 21211, status 400", te)
	}
	if !strings.Contains(err.Error(), "21211") || !strings.Contains(err.Error(), "is not a valid phone number") {
		t.Errorf("err = %q, want Twilio's code and message", err)
	}
	assertNoLeak(t, err, "tw-auth-token", "more_info")
}

func TestTwilioNetworkFailuresAreTemporary(t *testing.T) {
	err := newTestTwilio(t, refusedURL(t), nil).Send(context.Background(), testMessage())
	assertClass(t, err, true, 0)
	assertNoLeak(t, err, "tw-auth-token")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = newTestTwilio(t, hanging(t).URL, nil).Send(ctx, testMessage())
	assertClass(t, err, true, 0)
}

func TestTwilioBaseURL(t *testing.T) {
	cfg := TwilioConfig{AccountSID: "AC1", AuthToken: "t", From: "+3197010000000"}
	tw, err := NewTwilio(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"; tw.endpoint != want {
		t.Errorf("endpoint = %q, want %q", tw.endpoint, want)
	}
	for base, ok := range map[string]bool{
		"http://127.0.0.1:8080":     true, // a test server on this machine
		"http://localhost:8080":     true,
		"https://twilio.proxy.test": true,
		"http://api.twilio.com":     false, // the token would cross the network in clear
		"ftp://api.twilio.com":      false,
		"api.twilio.com":            false,
	} {
		c := cfg
		c.BaseURL = base
		if _, err := NewTwilio(c, nil); (err == nil) != ok {
			t.Errorf("NewTwilio with BaseURL %q: err = %v, want ok = %v", base, err, ok)
		}
	}
	c := cfg
	c.AccountSID = "../../Accounts/AC2"
	if _, err := NewTwilio(c, nil); err == nil {
		t.Error("NewTwilio accepted an account SID with a path in it")
	}
}

func FuzzParseTwilioError(f *testing.F) {
	f.Add([]byte(`{"code":21211,"message":"The 'To' number +31612345678 is not valid","status":400}`), "code 123456")
	f.Add([]byte(`{"code":20003,"message":"Authenticate","status":401}`), "")
	f.Add([]byte(`<html>busy</html>`), "x")
	f.Fuzz(func(t *testing.T, body []byte, text string) {
		te := parseTwilioError(body, text)
		if te == nil {
			return
		}
		if digitRun.MatchString(te.Message) {
			t.Errorf("message %q keeps a run of digits", te.Message)
		}
		if n := len([]rune(te.Message)); n > maxTwilioMessage+1 {
			t.Errorf("message has %d runes", n)
		}
		if strings.ContainsFunc(te.Message, func(r rune) bool { return r < ' ' }) {
			t.Errorf("message %q keeps a control character", te.Message)
		}
	})
}
