package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"sluis/portal/vault"
)

// migrateOutcome is what happened to one blob.
type migrateOutcome int

const (
	migrateCopied   migrateOutcome = iota // it was not in the bucket
	migratePresent                        // the bucket held the same bytes
	migrateReplaced                       // the bucket held other bytes (a broken copy)
	migrateFailed
)

// cmdBlobsMigrate copies a blob folder into a bucket, so a single instance
// can grow into several. Blobs keep their ids, which the database holds.
// It can be run again at any time: a blob already in the bucket with the
// same bytes is left alone, a missing or different one is copied, and
// every copy is read back and compared before it counts.
func cmdBlobsMigrate(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("sluis blobs migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	from := fs.String("from", "", "the blob folder to copy, such as ./data/blobs")
	to := fs.String("to", "", "the bucket to copy into: s3://BUCKET?endpoint=URL&region=REGION[&prefix=P]")
	parallel := fs.Int("parallel", 4, "how many blobs to copy at once")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	switch {
	case *from == "" || *to == "" || fs.NArg() > 0:
		return errors.New("usage: sluis blobs migrate --from FOLDER --to s3://BUCKET?…")
	case !vault.IsS3URL(*to):
		return fmt.Errorf("--to %q: give an s3:// URL", *to)
	case *parallel < 1 || *parallel > 64:
		return errors.New("--parallel must be from 1 to 64")
	}
	if fi, err := os.Stat(*from); err != nil || !fi.IsDir() {
		return fmt.Errorf("--from %s is not a blob folder", *from)
	}
	src, err := vault.NewFS(*from)
	if err != nil {
		return err
	}
	dst, err := openS3(ctx, *to, e.getenv)
	if err != nil {
		return err
	}
	counts, err := migrateBlobs(ctx, src, dst, *parallel, e.stderr)
	total := counts[migrateCopied] + counts[migratePresent] + counts[migrateReplaced] + counts[migrateFailed]
	fmt.Fprintf(e.stdout, "%d blobs: %d copied, %d already in %s, %d replaced (the bucket's copy differed), %d failed\n",
		total, counts[migrateCopied], counts[migratePresent], dst.Where(), counts[migrateReplaced], counts[migrateFailed])
	if err != nil {
		return err
	}
	if counts[migrateFailed] > 0 {
		return fmt.Errorf("%d blobs were not copied; run the command again", counts[migrateFailed])
	}
	return nil
}

// migrateBlobs copies every committed blob of src with parallel workers
// and counts the outcomes; a failed blob is reported on log and counted,
// and the others go on.
func migrateBlobs(ctx context.Context, src *vault.FS, dst *vault.S3, parallel int, log io.Writer) ([4]int, error) {
	var (
		counts [4]int
		mu     sync.Mutex
		wg     sync.WaitGroup
	)
	ids := make(chan string)
	for range parallel {
		wg.Go(func() {
			for id := range ids {
				outcome, err := migrateBlob(ctx, src, dst, id)
				mu.Lock()
				counts[outcome]++
				if err != nil {
					fmt.Fprintf(log, "blob %s: %v\n", id, err)
				}
				mu.Unlock()
			}
		})
	}
	// Blobs committed from now on are for the next run.
	err := src.List(ctx, "", time.Now(), func(id string) error {
		select {
		case ids <- id:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(ids)
	wg.Wait()
	return counts, err
}

// migrateBlob copies one blob unless the bucket holds the same bytes, and
// verifies the copy by reading it back.
func migrateBlob(ctx context.Context, src *vault.FS, dst *vault.S3, id string) (migrateOutcome, error) {
	want, size, err := hashBlob(ctx, src, id)
	if err != nil {
		return migrateFailed, fmt.Errorf("reading the folder: %w", err)
	}
	got, gotSize, err := hashBlob(ctx, dst, id)
	outcome := migrateReplaced
	switch {
	case err == nil && got == want && gotSize == size:
		return migratePresent, nil
	case errors.Is(err, vault.ErrNotFound):
		outcome = migrateCopied
	case err != nil:
		return migrateFailed, fmt.Errorf("reading the bucket: %w", err)
	}
	if err := importBlob(ctx, src, dst, id, size); err != nil {
		return migrateFailed, err
	}
	if got, gotSize, err = hashBlob(ctx, dst, id); err != nil {
		return migrateFailed, fmt.Errorf("reading the copy back: %w", err)
	}
	if got != want || gotSize != size {
		return migrateFailed, fmt.Errorf("the copy read back differs (%d bytes, want %d)", gotSize, size)
	}
	return outcome, nil
}

// importBlob uploads one blob of the folder under its id.
func importBlob(ctx context.Context, src *vault.FS, dst *vault.S3, id string, size int64) error {
	rc, err := src.Open(ctx, id)
	if err != nil {
		return fmt.Errorf("reading the folder: %w", err)
	}
	err = dst.Import(ctx, id, rc, size)
	return errors.Join(err, rc.Close())
}

// hashBlob reads a blob whole and returns its SHA-256 and size.
func hashBlob(ctx context.Context, s vault.BlobStore, id string) ([sha256.Size]byte, int64, error) {
	var sum [sha256.Size]byte
	rc, err := s.Open(ctx, id)
	if err != nil {
		return sum, 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err := errors.Join(err, rc.Close()); err != nil {
		return sum, 0, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, n, nil
}
