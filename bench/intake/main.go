// Command intake measures how fast Sluis takes mail over SMTP, next to
// Mailpit and to a go-smtp server that discards everything (the ceiling of
// the protocol on this machine), and how much memory Sluis needs for one
// message with a 100 MB attachment.
//
// With -weed (or $SLUIS_TEST_WEED) naming a SeaweedFS binary, a second
// Sluis, "sluis-s3", keeps its blobs in a bucket of a `weed mini` on
// loopback (telemetry off) instead of its data folder, and joins the
// alternating rounds and the large-message case.
//
//	go run ./bench/intake [-rounds 5] [-round 10s] [-mailpit /path/to/mailpit]
//
// Every system gets the same load: messages of about 50 KB (a realistic
// quoted-printable text body) to three external recipients who all have
// address-book data, over 8 SMTP connections with AUTH PLAIN. Rounds
// alternate between the systems, so that a noisy neighbour on the machine
// hurts them alike; each system's figure is the median of its rounds.
//
// Sluis is built from this tree and run as `sluis serve` with SQLite in a
// temporary data folder; its relay is a discarding go-smtp server, and
// after each Sluis round the bench waits until every notification has
// reached it, so that Sluis's background work does not run into the next
// system's round. Mailpit v1.27.11 is built from the Go module proxy into
// a temporary folder (never into this repository), unless -mailpit names a
// binary.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"
)

type options struct {
	rounds  int
	round   time.Duration
	warmup  time.Duration
	conns   int
	size    int
	bigMB   int
	mailpit string
	sluis   string
	weed    string
	noMP    bool
	keep    bool
	noBig   bool
	verbose bool
	seed    int    // also run a Sluis whose database holds this many seeded messages and contacts
	pg      string // also run a Sluis on a fresh database of this PostgreSQL server
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "measured rounds per system")
	flag.DurationVar(&o.round, "round", 10*time.Second, "length of one round")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured warm-up round per system")
	flag.IntVar(&o.conns, "conns", 8, "SMTP connections in parallel")
	flag.IntVar(&o.size, "size", 50<<10, "approximate size of one message in bytes")
	flag.IntVar(&o.bigMB, "big", 100, "size of the attachment of the large-message case, in MB")
	flag.BoolVar(&o.noBig, "no-big", false, "skip the large-message case")
	flag.StringVar(&o.mailpit, "mailpit", "", "mailpit binary (default: build v1.27.11 into a temporary folder)")
	flag.StringVar(&o.sluis, "sluis", "", "sluis binary (default: build ./cmd/sluis of this module)")
	flag.StringVar(&o.weed, "weed", os.Getenv("SLUIS_TEST_WEED"), "SeaweedFS binary: also run Sluis with its blobs in a local S3 bucket (default $SLUIS_TEST_WEED)")
	flag.BoolVar(&o.noMP, "no-mailpit", false, "leave Mailpit out")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder (data, logs) and print where it is")
	flag.BoolVar(&o.verbose, "v", false, "print every round")
	flag.IntVar(&o.seed, "seed", 0, "also run Sluis on a database seeded with this many address-book entries and messages (bench/internal/seed)")
	flag.StringVar(&o.pg, "pg", "", "also run Sluis on PostgreSQL: a postgres:// URL of a server where the bench may create a database")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "sluis-bench-intake-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("temporary folder:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	fmt.Print(machine())
	systems, stop, err := startSystems(o, tmp)
	defer stop()
	if err != nil {
		return err
	}
	msg := newMessage(o.size)
	fmt.Printf("\nload: %d-byte messages to %d recipients, %d connections, AUTH PLAIN; %d rounds of %s per system (after a %s warm-up), alternating\n",
		msg.size(), len(benchRcpts), o.conns, o.rounds, o.round, o.warmup)
	rates, err := measure(o, systems, msg)
	if err != nil {
		return err
	}
	report(systems, rates)
	if o.noBig {
		return nil
	}
	for _, s := range systems {
		if s.sluis != nil {
			if err := bigCase(o, s.sluis); err != nil {
				return err
			}
		}
	}
	return nil
}

// measure runs the alternating rounds and returns each system's rates.
func measure(o options, systems []*system, msg *message) (map[string][]float64, error) {
	for _, s := range systems {
		if o.warmup <= 0 {
			break
		}
		if _, err := s.round(o, o.warmup, msg); err != nil {
			return nil, fmt.Errorf("%s warm-up: %w", s.name, err)
		}
	}
	rates := map[string][]float64{}
	cpu := map[string][]float64{}
	for r := range o.rounds {
		for _, s := range systems {
			res, err := s.round(o, o.round, msg)
			if err != nil {
				return nil, fmt.Errorf("%s round %d: %w", s.name, r+1, err)
			}
			rates[s.name] = append(rates[s.name], res.rate())
			if res.cpu > 0 {
				cpu[s.name] = append(cpu[s.name], res.cpuPerMsg())
			}
			if o.verbose {
				fmt.Printf("  round %d %-8s %s\n", r+1, s.name, res)
			}
		}
	}
	for name, c := range cpu {
		rates[name+" cpu"] = c
	}
	return rates, nil
}

func report(systems []*system, rates map[string][]float64) {
	fmt.Println("\nmedian rates (messages acknowledged per second):")
	med := map[string]float64{}
	for _, s := range systems {
		med[s.name] = median(rates[s.name])
		fmt.Printf("  %-8s %8.1f msg/s   rounds: %s", s.name, med[s.name], fmtRates(rates[s.name]))
		if c := rates[s.name+" cpu"]; len(c) > 0 {
			fmt.Printf("   server CPU %.2f ms/msg", median(c))
		}
		fmt.Println()
	}
	for _, s := range systems[1:] {
		if med[s.name] > 0 {
			fmt.Printf("  sluis / %-8s %6.2f×\n", s.name, med["sluis"]/med[s.name])
		}
	}
	for _, s := range systems {
		if sl := s.sluis; sl != nil {
			fmt.Printf("  %s notifications: %d sent to the relay; waiting for them after the rounds took %s in all\n",
				s.name, sl.relay.count.Load(), sl.drained.Round(time.Millisecond))
			fmt.Printf("  %s peak memory after the 50 KB load (VmHWM): %s\n", s.name, fmtKB(sl.proc.vmHWM()))
		}
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtRates(xs []float64) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%.1f", x)
	}
	return out
}
