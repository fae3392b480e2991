package delivery

import (
	"fmt"
	"os"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/mime"
)

// BenchmarkNotifications measures how fast released messages' recipients
// are notified: the real job queue, the notification job of each message
// (render, send through the pooled relay client, record each mail as
// sent, mark the recipient), and a real go-smtp relay on loopback that
// counts and drops the mails. b.N messages to three recipients each are
// stored with their jobs while the queue is stopped; the timer runs from
// starting the queue until the relay has every notification.
//
//	go test -run '^$' -bench Notifications -benchtime 2000x ./portal/delivery
//
// With SLUIS_TEST_POSTGRES set, BenchmarkNotifications/postgres runs too.
func BenchmarkNotifications(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchNotifications(b, dbtest.SQLite(b, dbtest.Options{})) })
	if os.Getenv("SLUIS_TEST_POSTGRES") != "" {
		b.Run("postgres", func(b *testing.B) { benchNotifications(b, dbtest.Postgres(b, dbtest.Options{})) })
	}
}

func benchNotifications(b *testing.B, s *db.Store) {
	q := buildQueue(b, s)
	rcpts := []string{"alice@example.com", "bob@example.org", "carla@example.net"}
	for i, r := range rcpts {
		q.put(b, r, fmt.Sprintf("+3161234567%d", i))
	}
	msg := &mime.Message{Subject: "Uitslag", Text: "Beste,", To: []mime.Address{{Addr: rcpts[0]}, {Addr: rcpts[1]}, {Addr: rcpts[2]}}}
	errs := make(chan error, b.N)
	for range b.N {
		go func() {
			errs <- q.svc.Submit(ctx, &Incoming{User: q.sender, Rcpts: rcpts, Message: msg, Size: 100})
		}()
	}
	for range b.N {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	want := b.N * len(rcpts)
	b.ResetTimer()
	start := time.Now()
	q.start(b)
	deadline := start.Add(10 * time.Minute)
	for q.relay.total() < want {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d notifications after 10 minutes", q.relay.total(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/time.Since(start).Seconds(), "notifications/s")
}
