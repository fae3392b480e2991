package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestStream100MBInBoundedMemory checks that Put and Open stream: a 100 MB
// blob goes through both with the heap growing by far less than its size,
// into a folder and into an object store.
func TestStream100MBInBoundedMemory(t *testing.T) {
	const size = 100 << 20
	eachStore(t, func(t *testing.T, c storeCase) {
		v := testVault{Vault: New(testKeys(t), c.store)}
		runtime.GC()
		base := heapInuse()

		src := &generator{left: size, rng: rand.NewChaCha8([32]byte{1})}
		wantSum := sha256.New()
		id, n, err := v.Put(context.Background(), io.TeeReader(src, wantSum))
		if err != nil || n != size {
			t.Fatalf("Put = %d, %v", n, err)
		}

		putBase := base
		runtime.GC() // the upload's garbage is not the download's
		base = heapInuse()
		rc, err := v.Open(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		sink := &peakWriter{w: sha256.New()}
		if _, err := io.Copy(sink, rc); err != nil {
			t.Fatal(err)
		}
		if err := rc.Close(); err != nil {
			t.Fatal(err)
		}

		if !bytes.Equal(sink.w.Sum(nil), wantSum.Sum(nil)) {
			t.Fatal("SHA-256 of the 100 MB round trip differs")
		}
		if sink.written != size {
			t.Fatalf("read %d bytes, want %d", sink.written, size)
		}
		for name, m := range map[string][2]uint64{"Put": {putBase, src.peak}, "Open": {base, sink.peak}} {
			base, peak := m[0], m[1]
			if peak > base && peak-base > c.streamHeap {
				t.Errorf("%s: heap in use grew by %d MB, want under %d MB", name, (peak-base)>>20, c.streamHeap>>20)
			}
			t.Logf("%s: peak heap growth %d KB", name, int64(peak-base)>>10)
		}
	})
}

// heapInuse reads the bytes in in-use heap spans.
func heapInuse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// sampleEvery is how often, in bytes, the stream helpers sample the heap.
const sampleEvery = 4 << 20

// generator yields left pseudo-random bytes, sampling the heap as it goes.
type generator struct {
	left, sinceSample int
	rng               *rand.ChaCha8
	peak              uint64
}

func (g *generator) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), g.left)]
	_, _ = g.rng.Read(p)
	g.left -= len(p)
	if g.sinceSample += len(p); g.sinceSample >= sampleEvery {
		g.sinceSample, g.peak = 0, max(g.peak, heapInuse())
	}
	return len(p), nil
}

// peakWriter hashes what it is given, sampling the heap as it goes.
type peakWriter struct {
	w                    hash.Hash
	written, sinceSample int
	peak                 uint64
}

func (p *peakWriter) Write(b []byte) (int, error) {
	p.written += len(b)
	if p.sinceSample += len(b); p.sinceSample >= sampleEvery {
		p.sinceSample, p.peak = 0, max(p.peak, heapInuse())
	}
	return p.w.Write(b)
}
