package mailer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func poolMsg(to string) *Message {
	return &Message{From: Address{Addr: "sluis@sluis.test"}, To: []Address{{Addr: to}}, Subject: "Bericht", Text: "Beste,"}
}

// TestRelayKeepsSessions: mails sent one after the other share one
// session; a session the relay dropped while idle is replaced without
// losing or repeating a mail; concurrent sends never open more sessions
// than MaxConns; idle sessions are closed after IdleTimeout and by Close.
func TestRelayKeepsSessions(t *testing.T) {
	ctx := context.Background()
	t.Run("one session for many mails", func(t *testing.T) {
		srv := startRelay(t, relayOpts{startTLS: true}) // without STARTTLS the client dials twice
		r := NewRelay(srv.config(), "sluis@sluis.test")
		defer r.Close()
		for i := range 20 {
			if _, err := r.Send(ctx, poolMsg(fmt.Sprintf("p%d@example.com", i))); err != nil {
				t.Fatal(err)
			}
		}
		if sessions, _, _ := srv.counts(); sessions != 1 || len(srv.received()) != 20 {
			t.Errorf("20 mails took %d sessions and %d arrived, want 1 and 20", sessions, len(srv.received()))
		}
	})
	t.Run("reconnect after the relay dropped the session", func(t *testing.T) {
		srv := startRelay(t, relayOpts{startTLS: true}) // without STARTTLS the client dials twice
		r := NewRelay(srv.config(), "sluis@sluis.test")
		defer r.Close()
		if _, err := r.Send(ctx, poolMsg("a@example.com")); err != nil {
			t.Fatal(err)
		}
		srv.drop()
		if _, err := r.Send(ctx, poolMsg("b@example.com")); err != nil {
			t.Fatalf("send after the relay dropped the idle session: %v", err)
		}
		got := srv.received()
		if sessions, _, _ := srv.counts(); sessions != 2 || len(got) != 2 || got[1].To[0] != "b@example.com" {
			t.Errorf("%d sessions, %d mails; want 2 sessions and one mail each", sessions, len(got))
		}
	})
	t.Run("at most MaxConns at once", func(t *testing.T) {
		srv := startRelay(t, relayOpts{startTLS: true}) // without STARTTLS the client dials twice
		cfg := srv.config()
		cfg.MaxConns = 2
		r := NewRelay(cfg, "sluis@sluis.test")
		defer r.Close()
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				if _, err := r.Send(ctx, poolMsg(fmt.Sprintf("p%d@example.com", i))); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if _, _, maxOpen := srv.counts(); maxOpen > 2 || len(srv.received()) != 40 {
			t.Errorf("%d sessions open at once (cap 2), %d of 40 mails arrived", maxOpen, len(srv.received()))
		}
	})
	t.Run("idle sessions close", func(t *testing.T) {
		srv := startRelay(t, relayOpts{startTLS: true}) // without STARTTLS the client dials twice
		cfg := srv.config()
		cfg.IdleTimeout = 100 * time.Millisecond
		r := NewRelay(cfg, "sluis@sluis.test")
		defer r.Close()
		if _, err := r.Send(ctx, poolMsg("a@example.com")); err != nil {
			t.Fatal(err)
		}
		waitOpen(t, srv, 0) // the relay saw QUIT
		if _, err := r.Send(ctx, poolMsg("b@example.com")); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		waitOpen(t, srv, 0)
		if sessions, _, _ := srv.counts(); sessions != 2 {
			t.Errorf("%d sessions, want 2 (the first closed when idle)", sessions)
		}
	})
}

// waitOpen waits until the relay has want sessions open; it fails only when
// they never get there.
func waitOpen(t *testing.T, srv *testRelay, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, open, _ := srv.counts()
		if open == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions open, want %d", open, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
