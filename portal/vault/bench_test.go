package vault

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// BenchmarkPut50KB stores a 50 KB body durably: encrypt, write, fsync the
// file, rename, fsync the shard.
func BenchmarkPut50KB(b *testing.B) {
	v := newTestVault(b)
	body := pattern(50 << 10)
	r := bytes.NewReader(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(body)
		if _, _, err := v.Put(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen50KB opens, decrypts and reads a 50 KB body.
func BenchmarkOpen50KB(b *testing.B) {
	v := newTestVault(b)
	body := pattern(50 << 10)
	id := v.put(b, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rc, err := v.Open(context.Background(), id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		if err := rc.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
