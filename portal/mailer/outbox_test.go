package mailer

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"sluis/portal/devbox"
)

func TestOutboxKeepsWhatARelayWouldSend(t *testing.T) {
	box, err := devbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutbox(box)
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	o.now = func() time.Time { return at }
	m := testMessage()
	res, err := o.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	items, err := box.List()
	if err != nil || len(items) != 1 {
		t.Fatalf("List() = %+v, %v", items, err)
	}
	it := items[0]
	if it.Kind != devbox.Mail || !it.Time.Equal(at) || it.Subject != m.Subject || it.From != "Jüri Tamm via Sluis <noreply@sluis.test>" {
		t.Errorf("item = %+v", it)
	}
	raw, err := box.Read(it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id := checkMessage(t, raw, m); id != res.MessageID {
		t.Errorf("Message-ID %s, Send returned %s", id, res.MessageID)
	}
}

func TestOutboxSendErrors(t *testing.T) {
	dir := t.TempDir()
	box, err := devbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutbox(box)
	if _, err := o.Send(context.Background(), &Message{Text: "no recipients"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("err = %v, want ErrInvalidMessage", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Send(ctx, testMessage()); !IsTemporary(err) {
		t.Errorf("cancelled: err = %v, want temporary", err)
	}
	if items, err := box.List(); err != nil || len(items) != 0 {
		t.Errorf("List() = %v, %v; want nothing kept", items, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Send(context.Background(), testMessage()); !IsTemporary(err) {
		t.Errorf("unwritable outbox: err = %v, want temporary", err)
	}
}
