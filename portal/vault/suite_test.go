package vault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"sluis/portal/vault/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// storeCase is one BlobStore under test, with what the suite needs of its
// insides: the leftovers of a writer whose process died mid-write.
type storeCase struct {
	store BlobStore
	// crash leaves what a writer that died mid-write leaves behind.
	crash func(t *testing.T)
	// leftovers counts such remains (temp files, unfinished uploads).
	leftovers func(t *testing.T) int
	// streamHeap is how far the heap may grow while a blob of any size
	// streams in or out: a few chunks for a folder; for an object store,
	// one 8 MiB part and the garbage of the one before.
	streamHeap uint64
}

// blobStores are the stores every suite test runs against: the folder
// always, SeaweedFS when $SLUIS_TEST_WEED names its binary.
var blobStores = map[string]func(t *testing.T) storeCase{
	"fs": func(t *testing.T) storeCase {
		dir := filepath.Join(t.TempDir(), "blobs")
		s, err := NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		return storeCase{store: s, streamHeap: 16 << 20,
			crash: func(t *testing.T) { writeFile(t, s.tmpPath(newID()), []byte("half a blob"), 0o600) },
			leftovers: func(t *testing.T) int {
				return len(files(t, filepath.Join(dir, tmpDir)))
			}}
	},
	"s3": func(t *testing.T) storeCase {
		s := newTestS3(t)
		return storeCase{store: s, streamHeap: 24 << 20,
			crash: func(t *testing.T) { startUpload(t, s) },
			leftovers: func(t *testing.T) int {
				res, err := s.core.ListMultipartUploads(context.Background(), s.bucket, s.prefix, "", "", "", 1000)
				if err != nil {
					t.Fatal(err)
				}
				return len(res.Uploads)
			}}
	},
}

// newTestS3 is an S3 store on the test server, in a prefix of its own.
func newTestS3(t testing.TB) *S3 {
	t.Helper()
	srv := s3test.Start(t)
	s, err := NewS3(S3Config{Bucket: s3test.Bucket, Endpoint: srv.Endpoint, Prefix: srv.Prefix(t),
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startUpload begins a multipart upload of a blob and uploads one part,
// then walks away, as a process killed mid-upload does.
func startUpload(t *testing.T, s *S3) {
	t.Helper()
	ctx := context.Background()
	key := s.key(newID())
	uploadID, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part := pattern(64 << 10)
	if _, err := s.core.PutObjectPart(ctx, s.bucket, key, uploadID, 1, bytes.NewReader(part), int64(len(part)),
		minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
}

// eachStore runs test against every blob store.
func eachStore(t *testing.T, test func(t *testing.T, c storeCase)) {
	for _, name := range []string{"fs", "s3"} {
		t.Run(name, func(t *testing.T) { test(t, blobStores[name](t)) })
	}
}

// writeBlob writes b to a new blob in 64 KiB writes, as the vault does,
// and commits it.
func writeBlob(t *testing.T, s BlobStore, b []byte) string {
	t.Helper()
	w, err := s.Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range slices.Chunk(b, 64<<10) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return w.ID()
}

// readBlob reads a committed blob whole.
func readBlob(t *testing.T, s BlobStore, id string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBlobStoreRoundTrip(t *testing.T) {
	// The sizes around the S3 store's switch from one PUT to a streamed
	// multipart upload, and past its first part.
	sizes := []int{0, 1, 1000, s3SmallBlob, s3SmallBlob + 1, s3PartSize + 12345}
	eachStore(t, func(t *testing.T, c storeCase) {
		for _, n := range sizes {
			want := pattern(n)
			id := writeBlob(t, c.store, want)
			if !validID(id) {
				t.Fatalf("id %q is not 32 hex digits", id)
			}
			if got := readBlob(t, c.store, id); !bytes.Equal(got, want) {
				t.Errorf("%d bytes: read back %d bytes that differ", n, len(got))
			}
		}
	})
}

func TestBlobStoreWriterIsDoneAfterCommit(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		w, err := c.store.Create(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("sealed")); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); !errors.Is(err, errDone) {
			t.Errorf("second Commit = %v, want errDone", err)
		}
		if _, err := w.Write([]byte("x")); !errors.Is(err, errDone) {
			t.Errorf("Write after Commit = %v, want errDone", err)
		}
		if err := w.Abort(); err != nil {
			t.Errorf("Abort after Commit = %v, want nil", err)
		}
		if got := readBlob(t, c.store, w.ID()); string(got) != "sealed" {
			t.Errorf("blob = %q after a late Abort", got)
		}
	})
}

func TestBlobStoreStreamsLargeBlobThroughVault(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		keys, err := LoadOrCreateKey(t.TempDir(), "")
		if err != nil {
			t.Fatal(err)
		}
		v := testVault{Vault: New(keys, c.store)}
		want := pattern(20 << 20)
		id := v.put(t, want)
		got, err := v.read(t, id)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("20 MB round trip: %d bytes, %v", len(got), err)
		}
		raw := readBlob(t, c.store, id)
		if bytes.Contains(raw, want[:1024]) {
			t.Error("the store holds plaintext")
		}
	})
}

func TestBlobStoreDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		ctx := context.Background()
		id := writeBlob(t, c.store, []byte("bye"))
		if err := c.store.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.store.Open(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open deleted = %v, want ErrNotFound", err)
		}
		if err := c.store.Delete(ctx, id); err != nil {
			t.Errorf("Delete twice = %v, want nil", err)
		}
		for _, bad := range []string{"", "../master.key", id[:31], id + "0", "ABCDEF0123456789abcdef0123456789"} {
			if _, err := c.store.Open(ctx, bad); !errors.Is(err, errBadID) {
				t.Errorf("Open(%q) = %v, want errBadID", bad, err)
			}
			if err := c.store.Delete(ctx, bad); !errors.Is(err, errBadID) {
				t.Errorf("Delete(%q) = %v, want errBadID", bad, err)
			}
		}
		if err := c.store.List(ctx, "../x", time.Now(), func(string) error { return nil }); !errors.Is(err, errBadID) {
			t.Errorf("List after a bad id = %v, want errBadID", err)
		}
	})
}

func TestBlobStoreListsOldBlobsInOrderForTheSweeper(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		ctx := context.Background()
		var old []string
		for range 5 {
			old = append(old, writeBlob(t, c.store, []byte("old")))
		}
		slices.Sort(old)
		// Object stores keep whole seconds: the cutoff is the next one.
		cutoff := time.Now().Truncate(time.Second).Add(time.Second)
		time.Sleep(time.Until(cutoff) + 10*time.Millisecond)
		young := writeBlob(t, c.store, []byte("young"))
		c.crash(t) // unfinished writes are not blobs

		list := func(after string) []string {
			var got []string
			if err := c.store.List(ctx, after, cutoff, func(id string) error {
				got = append(got, id)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := list(""); !slices.Equal(got, old) {
			t.Fatalf("List = %v, want %v in order", got, old)
		}
		if got := list(old[1]); !slices.Equal(got, old[2:]) {
			t.Errorf("List after %s = %v, want %v", old[1], got, old[2:])
		}

		stop := errors.New("stop")
		calls := 0
		err := c.store.List(ctx, "", cutoff, func(id string) error {
			calls++
			if calls == 3 {
				return stop
			}
			return c.store.Delete(ctx, id) // the sweeper deletes as it goes
		})
		if !errors.Is(err, stop) || calls != 3 {
			t.Errorf("List = %v after %d calls, want stop after 3", err, calls)
		}
		if got := list(""); !slices.Equal(got, old[2:]) {
			t.Errorf("after deleting two while listing: %v, want %v", got, old[2:])
		}
		if got := readBlob(t, c.store, young); string(got) != "young" {
			t.Errorf("young blob = %q", got)
		}
	})
}

func TestBlobStoreUncommittedWriterLeavesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		ctx := context.Background()
		w, err := c.store.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Past the S3 store's first part, so the store holds a part.
		for chunk := range slices.Chunk(pattern(s3SmallBlob+s3PartSize), 64<<10) {
			if _, err := w.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.store.Open(ctx, w.ID()); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open before Commit = %v, want ErrNotFound", err)
		}
		assertNoBlobs(t, c.store)
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		assertNoBlobs(t, c.store)
		if n := c.leftovers(t); n != 0 {
			t.Errorf("Abort left %d unfinished writes", n)
		}
		if err := w.Commit(); !errors.Is(err, errDone) {
			t.Errorf("Commit after Abort = %v, want errDone", err)
		}
	})
}

func TestBlobStoreSweepsWritersThatDied(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		ctx := context.Background()
		kept := writeBlob(t, c.store, []byte("kept"))
		c.crash(t)
		assertBlobs(t, c.store, kept)
		sweeper, ok := c.store.(TempSweeper)
		if !ok {
			t.Fatal("the store cannot sweep unfinished writes")
		}
		if n, err := sweeper.SweepTemp(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("sweeping with an hour's grace = %d, %v; want 0: the write may still be going on", n, err)
		}
		if n, err := sweeper.SweepTemp(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("SweepTemp = %d, %v; want 1", n, err)
		}
		if n := c.leftovers(t); n != 0 {
			t.Errorf("%d unfinished writes after the sweep", n)
		}
		assertBlobs(t, c.store, kept)
	})
}

func TestBlobStoreHonoursCancelledContext(t *testing.T) {
	eachStore(t, func(t *testing.T, c storeCase) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.store.Create(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Create = %v", err)
		}
		if _, err := c.store.Open(ctx, newID()); !errors.Is(err, context.Canceled) {
			t.Errorf("Open = %v", err)
		}
		if err := c.store.List(ctx, "", time.Now(), func(string) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("List = %v", err)
		}
	})
}

// assertBlobs checks that the committed blobs are exactly want.
func assertBlobs(t *testing.T, s BlobStore, want ...string) {
	t.Helper()
	var got []string
	if err := s.List(context.Background(), "", time.Now().Add(time.Hour), func(id string) error {
		got = append(got, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("blobs = %v, want %v", got, want)
	}
}

// assertNoBlobs checks that the store lists no committed blob.
func assertNoBlobs(t *testing.T, s BlobStore) {
	t.Helper()
	assertBlobs(t, s)
}
