package jobs_test

import (
	"context"
	"testing"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/jobs"
)

// BenchmarkInsertTx measures enqueueing one job in one of the Store's
// transactions on SQLite (synchronous=FULL: each commit reaches the disk).
func BenchmarkInsertTx(b *testing.B) {
	s := dbtest.SQLite(b, dbtest.Options{})
	c, err := jobs.New(s, jobs.Options{Insertonly: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		err := s.InTx(ctx, func(tx *db.Tx) error { return c.InsertTx(ctx, tx, noteArgs{ID: i}, nil) })
		if err != nil {
			b.Fatal(err)
		}
	}
}
