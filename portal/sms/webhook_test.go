package sms

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWebhookRequestShape(t *testing.T) {
	srv := newRecorder(t, http.StatusOK, "")
	w, err := NewWebhook(srv.URL+"/sms/send", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := srv.only(t)
	if r.Method != http.MethodPost || r.Path != "/sms/send" {
		t.Errorf("request = %s %s, want POST /sms/send", r.Method, r.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != "Sluis" {
		t.Errorf("User-Agent = %q", ua)
	}
	var got map[string]string
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	want := map[string]string{"to": "+31612345678", "text": secretText, "reference": "msg-42/rcpt-7"}
	if len(got) != len(want) {
		t.Errorf("body = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("body[%q] = %q, want %q", k, got[k], v)
		}
	}
}

func TestWebhookStatuses(t *testing.T) {
	cases := []struct {
		status    int
		ok        bool
		temporary bool
	}{
		{200, true, false},
		{202, true, false},
		{204, true, false},
		{302, false, false}, // never followed
		{400, false, false},
		{401, false, false},
		{404, false, false},
		{408, false, true},
		{429, false, true},
		{500, false, true},
		{503, false, true},
	}
	for _, c := range cases {
		srv := newRecorder(t, c.status, `{"error":"`+secretText+`"}`)
		w, err := NewWebhook(srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = w.Send(context.Background(), testMessage())
		if c.ok {
			if err != nil {
				t.Errorf("%d: err = %v, want accepted", c.status, err)
			}
			continue
		}
		assertClass(t, err, c.temporary, c.status)
		assertNoLeak(t, err)
	}
}

func TestWebhookNetworkFailuresAreTemporary(t *testing.T) {
	w, err := NewWebhook(refusedURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Send(context.Background(), testMessage())
	assertClass(t, err, true, 0)

	w, err = NewWebhook(hanging(t).URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = w.Send(ctx, testMessage())
	assertClass(t, err, true, 0)
}

func TestWebhookClientTimeout(t *testing.T) {
	w, err := NewWebhook("https://sms.example/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.client.Timeout != defaultTimeout {
		t.Errorf("default timeout = %v, want %v", w.client.Timeout, defaultTimeout)
	}
	mine := &http.Client{Timeout: 20 * time.Millisecond}
	w, err = NewWebhook(hanging(t).URL, mine)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Send(context.Background(), testMessage())
	assertClass(t, err, true, 0)
	if mine.CheckRedirect != nil {
		t.Error("NewWebhook changed the caller's client")
	}
}

func TestWebhookRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "sms.example/send", "ftp://sms.example/", "file:///etc/passwd", "javascript:alert(1)", "http://", "http://[::1"} {
		if _, err := NewWebhook(u, nil); err == nil {
			t.Errorf("NewWebhook(%q) accepted", u)
		}
	}
}

// The webhook URL is a secret setting (it may carry credentials); errors
// name neither it nor the text, whatever went wrong.
func TestWebhookErrorsHideTextAndURL(t *testing.T) {
	srv := newRecorder(t, http.StatusInternalServerError, secretText)
	secretURL := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/send?token=s3cr3t-token"
	w, err := NewWebhook(secretURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, w.Send(context.Background(), testMessage()), "hunter2", "s3cr3t-token")

	w, err = NewWebhook(refusedURL(t)+"/send?token=s3cr3t-token", nil)
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, w.Send(context.Background(), testMessage()), "s3cr3t-token")

	_, err = NewWebhook("ht!tp://user:hunter2@x/?token=s3cr3t-token", nil)
	assertNoLeak(t, err, "hunter2", "s3cr3t-token")
}
