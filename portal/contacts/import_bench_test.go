package contacts

import (
	"bytes"
	"fmt"
	"testing"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/secret"
)

// importFile builds an n-row file; every codeEvery-th row carries an
// access code (0: none).
func importFile(n, codeEvery int) []byte {
	var b bytes.Buffer
	b.WriteString("email_address,full_name,phone_number,access_code,access_code_hint\n")
	for i := range n {
		code := ""
		if codeEvery > 0 && i%codeEvery == 0 {
			code = fmt.Sprintf("code-%08d", i)
		}
		fmt.Fprintf(&b, "person%d@example%d.nl,Person %d,+316%08d,%s,\n", i, i%97, i, 10000000+i, code)
	}
	return b.Bytes()
}

// BenchmarkImport100k imports 100,000 rows into a fresh SQLite book, at
// OWASP's argon2id parameters for the rows that carry access codes.
func BenchmarkImport100k(b *testing.B) {
	for _, c := range []struct {
		name      string
		codeEvery int
	}{{"phones", 0}, {"phones+1pct-codes", 100}} {
		file := importFile(100_000, c.codeEvery)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := dbtest.SQLite(b, dbtest.Options{})
				o, err := s.CreateOrg(ctx, db.NewOrg{Name: "Bench", Domains: []string{"bench.nl"}})
				if err != nil {
					b.Fatal(err)
				}
				im := &Importer{Store: s, Hash: secret.Hash, Verify: secret.Verify}
				b.StartTimer()
				rep, err := im.Import(ctx, db.OrgBook(o.ID), bytes.NewReader(file), importOpts)
				if err != nil || rep.Created != 100_000 {
					b.Fatalf("report %+v, %v", rep, err)
				}
			}
		})
	}
}
