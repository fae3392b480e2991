package main

import (
	"context"
	"log/slog"
	"testing"

	"sluis/portal/devbox"
	"sluis/portal/mailer"
	"sluis/portal/sms"
)

// TestDevOutboxWiring: without a relay and with the log gateway, mail and
// texts land in the one dev outbox the portal shows; with a relay and a
// real gateway there is none.
func TestDevOutboxWiring(t *testing.T) {
	c := &config{Data: t.TempDir(), SMS: "log"}
	box, err := openOutbox(c)
	if err != nil || box == nil {
		t.Fatalf("openOutbox = %v, %v", box, err)
	}
	m, err := newMailSender(c, "sluis@zkh.test", box)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSMSSender(c, slog.New(slog.DiscardHandler), box)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.Send(ctx, &mailer.Message{From: mailer.Address{Addr: "sluis@zkh.test"},
		To: []mailer.Address{{Addr: "ann@example.com"}}, Subject: "Hallo", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, sms.Message{To: "+31612345678", Text: "Code 123456", Reference: "r"}); err != nil {
		t.Fatal(err)
	}
	items, err := box.List()
	kinds := map[devbox.Kind]int{}
	for _, it := range items {
		kinds[it.Kind]++
	}
	if err != nil || len(items) != 2 || kinds[devbox.Mail] != 1 || kinds[devbox.Text] != 1 {
		t.Errorf("dev outbox = %+v, %v; want the mail and the text", items, err)
	}

	c = &config{Data: t.TempDir(), SMS: "webhook", Relay: "smtp://127.0.0.1:25"}
	if box, err := openOutbox(c); box != nil || err != nil {
		t.Errorf("with a relay and a webhook: openOutbox = %v, %v; want none", box, err)
	}
}
