package sms

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"sluis/portal/devbox"
)

func TestLogSendsToOutboxAndHidesText(t *testing.T) {
	ob, err := devbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logger, buf := logBuffer()
	if err := NewLog(logger, ob).Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	for _, want := range []string{`"msg":"text sent"`, Mask("+31612345678"), "msg-42/rcpt-7", "outbox_id"} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("log %s lacks %q", buf.Bytes(), want)
		}
	}
	for _, secret := range []string{secretText, "493817", "+31612345678"} {
		if bytes.Contains(buf.Bytes(), []byte(secret)) {
			t.Errorf("log %s contains %q", buf.Bytes(), secret)
		}
	}
	items, err := ob.List()
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %v, %v; want one text", items, err)
	}
	it := items[0]
	if it.Kind != devbox.Text || !slices.Equal(it.To, []string{"+31612345678"}) || it.Body != secretText ||
		it.Reference != "msg-42/rcpt-7" || it.Time.IsZero() {
		t.Errorf("item = %+v", it)
	}
	raw, err := ob.Read(it.ID)
	if err != nil || !bytes.Contains(raw, []byte(secretText)) {
		t.Errorf("Read = %q, %v; want the text", raw, err)
	}
}

func TestLogWithoutOutbox(t *testing.T) {
	logger, buf := logBuffer()
	if err := NewLog(logger, nil).Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("text sent")) || bytes.Contains(buf.Bytes(), []byte(secretText)) {
		t.Errorf("log = %s", buf.Bytes())
	}
}

func TestLogCancelledIsTemporary(t *testing.T) {
	ob, err := devbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logger, buf := logBuffer()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = NewLog(logger, ob).Send(ctx, testMessage())
	assertClass(t, err, true, 0)
	if items, _ := ob.List(); len(items) != 0 || buf.Len() != 0 {
		t.Errorf("a cancelled send left %d texts and log %q", len(items), buf.String())
	}
}
