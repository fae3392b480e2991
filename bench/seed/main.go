// Command seed fills a Sluis database with a large history (see
// bench/internal/seed) and prints the plans of the hot queries on it:
//
//	go run ./bench/seed -db <data>/sluis.db -domain bench.test -sender sender@bench.test -n 1000000 -explain
//
// The organisation and sender must exist (sluis org create, sluis user add).
// A postgres:// URL seeds PostgreSQL instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"sluis/bench/internal/seed"
	"sluis/db"
)

func main() {
	dsn := flag.String("db", "", "SQLite file or postgres:// URL (migrated)")
	domain := flag.String("domain", "bench.test", "the organisation's domain")
	sender := flag.String("sender", "sender@bench.test", "the sender of the seeded messages")
	n := flag.Int("n", 1_000_000, "how many address-book entries and how many messages to add")
	explain := flag.Bool("explain", false, "print the plans of the hot queries afterwards")
	flag.Parse()
	if err := run(*dsn, *domain, *sender, *n, *explain); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(dsn, domain, sender string, n int, explain bool) error {
	ctx := context.Background()
	store, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if n > 0 {
		opt := seed.Options{Domain: domain, Sender: sender, Contacts: n, Messages: n, Progress: os.Stdout}
		if err := seed.Run(ctx, store, opt); err != nil {
			return err
		}
	}
	if explain {
		return seed.Explain(ctx, store, domain, sender, os.Stdout)
	}
	return nil
}
