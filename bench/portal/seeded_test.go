package portal

import (
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"sluis/bench/internal/seed"
	"sluis/internal/testworld"
)

// BenchmarkReadSeededStore is issue 10's flat-cost check for the read: the
// verified recipient of BenchmarkRecipientMessage50KB opening their
// message, on an empty store and on one that also holds SLUIS_BENCH_SEED
// (default 1,000,000) address-book entries and messages of the same
// organisation (bench/internal/seed), in one run, rounds alternating. It
// does its own rounds, so it runs once:
//
//	go test -run '^$' -bench ReadSeededStore -benchtime 1x -timeout 1h ./bench/portal
func BenchmarkReadSeededStore(b *testing.B) {
	if b.N > 1 {
		b.Skip("runs its own rounds: use -benchtime 1x")
	}
	n := 1_000_000
	if s := os.Getenv("SLUIS_BENCH_SEED"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	// The frame's request carries the 50 KB letter (BenchmarkRecipientBody50KB).
	emptyURL, emptyC := verifiedReader(b)
	seededURL, seededC := seededReader(b, n)
	emptyURL, seededURL = emptyURL+"/body", seededURL+"/body"
	var empty, seeded []float64
	var emptyP50, seededP50 []float64
	for range 5 {
		r, p := rounds(b, emptyC, emptyURL)
		empty, emptyP50 = append(empty, r), append(emptyP50, p)
		r, p = rounds(b, seededC, seededURL)
		seeded, seededP50 = append(seeded, r), append(seededP50, p)
	}
	b.Logf("empty store:  req/s %v, p50 µs %v", empty, emptyP50)
	b.Logf("seeded store: req/s %v, p50 µs %v", seeded, seededP50)
	b.ReportMetric(median(empty), "empty-req/s")
	b.ReportMetric(median(seeded), "seeded-req/s")
	b.ReportMetric(median(emptyP50), "empty-p50-µs")
	b.ReportMetric(median(seededP50), "seeded-p50-µs")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// rounds is one 3-second round of 4 parallel readers: requests per second
// and the median latency in µs.
func rounds(b *testing.B, c *http.Client, u string) (float64, float64) {
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(3 * time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
				res, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				if res.StatusCode != http.StatusOK || n < pageSize {
					b.Errorf("GET: %d, %d bytes", res.StatusCode, n)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(lat) == 0 {
		b.Fatal("no request succeeded")
	}
	slices.Sort(lat)
	return float64(len(lat)) / time.Since(start).Seconds(), float64(lat[len(lat)/2].Microseconds())
}

// seededReader is verifiedReader on a store seeded with n address-book
// entries and n messages of the reader's organisation before the message
// is submitted.
func seededReader(b *testing.B, n int) (string, *http.Client) {
	w := testworld.New(b, nil, "")
	err := seed.Run(context.Background(), w.Store, seed.Options{Domain: "zkh.example", Sender: "arts@zkh.example",
		Contacts: n, Messages: n})
	if err != nil {
		b.Fatal(err)
	}
	return verifiedReaderIn(b, w, htmlMail())
}
