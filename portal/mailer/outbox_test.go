package mailer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOutboxRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	now := start
	o.now = func() time.Time { now = now.Add(time.Second); return now }

	first := testMessage()
	firstRes, err := o.Send(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	second := &Message{To: []Address{{Addr: "bob@example.net"}}, Raw: []byte("Subject: raw\r\n\r\nbody\r\n")}
	if _, err := o.Send(context.Background(), second); err != nil {
		t.Fatal(err)
	}

	items, err := o.List()
	if err != nil || len(items) != 2 {
		t.Fatalf("List() = %+v, %v", items, err)
	}
	if items[0].Subject != "raw" || !items[1].Time.Equal(start.Add(time.Second)) {
		t.Errorf("not newest first: %+v", items)
	}
	want := OutboxItem{ID: items[1].ID, Time: items[1].Time,
		From: "Jüri Tamm via Sluis <noreply@sluis.test>", To: "Ånne Bakker <anne@example.org>", Subject: first.Subject}
	if items[1] != want {
		t.Errorf("item = %+v, want %+v", items[1], want)
	}

	raw, err := o.Read(items[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if id := checkMessage(t, raw, first); id != firstRes.MessageID {
		t.Errorf("Message-ID %s, Send returned %s", id, firstRes.MessageID)
	}
	info, err := os.Stat(filepath.Join(dir, items[1].ID+".eml"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", info.Mode(), err)
	}
}

func TestOutboxReadRefusesBadIDs(t *testing.T) {
	parent := t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, "secret.eml"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := NewOutbox(filepath.Join(parent, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{
		"", "..", "../secret", "/etc/passwd", "..%2fsecret", "20260301T093001.000000000Z-0123abcd.eml",
		"20260301T093001.000000000Z-0123abcd/../../secret",
		"20260301T093001.000000000Z-0123abcd", // well-formed, but absent
	} {
		if raw, err := o.Read(id); !errors.Is(err, ErrNotFound) || raw != nil {
			t.Errorf("Read(%q) = %q, %v; want ErrNotFound", id, raw, err)
		}
	}
}

func TestOutboxSendErrors(t *testing.T) {
	o, err := NewOutbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Send(context.Background(), &Message{Text: "no recipients"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("err = %v, want ErrInvalidMessage", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.Send(ctx, testMessage()); !IsTemporary(err) {
		t.Errorf("cancelled: err = %v, want temporary", err)
	}
	if items, err := o.List(); err != nil || len(items) != 0 {
		t.Errorf("List() = %v, %v; want nothing stored", items, err)
	}
}
