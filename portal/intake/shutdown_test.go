package intake

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestShutdownFinishesTransaction closes idle connections at once but lets
// a DATA whose commit is under way finish and be answered 250.
func TestShutdownFinishesTransaction(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sub.set(func(f *fakeSubmitter) { f.started, f.release = make(chan struct{}, 1), make(chan struct{}) })
	busy := e.login(t)
	idle := rawDial(t, e.addr)
	idle.cmd(t, "EHLO client.test", 250)

	sent := make(chan error, 1)
	go func() { sent <- send(busy, alice, []string{"carol@client.example"}, mail(alice, "s", "b")) }()
	<-e.sub.started
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- e.srv.Shutdown(ctx)
	}()
	if !idle.closed(t) {
		t.Error("idle connection still open during shutdown")
	}
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned %v with a transaction in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(e.sub.release)
	must(t, <-sent)
	must(t, <-stopped)
	if subs, _, _ := e.sub.state(); len(subs) != 1 {
		t.Errorf("%d submissions", len(subs))
	}
}

// TestShutdownGivesUp closes a connection whose transaction outlasts the
// shutdown's context.
func TestShutdownGivesUp(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sub.set(func(f *fakeSubmitter) { f.started, f.release = make(chan struct{}, 1), make(chan struct{}) })
	defer close(e.sub.release)
	c := e.login(t)
	sent := make(chan error, 1)
	go func() { sent <- send(c, alice, []string{"carol@client.example"}, mail(alice, "s", "b")) }()
	<-e.sub.started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v", err)
	}
	if err := <-sent; err == nil {
		t.Error("the client was told 250 though the server gave up")
	}
}
