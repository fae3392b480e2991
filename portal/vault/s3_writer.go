package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// errAborted ends a streaming upload whose writer was aborted; the upload
// never sees the end of the blob, so it cannot complete.
var errAborted = errors.New("vault: blob writer aborted")

// s3Writer writes one blob to the object store. The first s3SmallBlob
// bytes are kept in memory; a blob that stays that small goes up in one PUT
// at Commit. A larger one streams through a pipe into a multipart upload
// of s3PartSize parts, started when the buffer overflows; Commit ends the
// stream and waits for the store to acknowledge the whole object. Before
// Commit nothing is visible in the bucket: unfinished multipart uploads
// are not objects.
type s3Writer struct {
	s   *S3
	ctx context.Context
	id  string
	buf bytes.Buffer
	// Set once the blob streams.
	pw     *io.PipeWriter
	cancel context.CancelFunc
	result chan error
	done   bool
}

// Write buffers p, or hands it to the upload, which blocks until the
// upload has taken it (at most one part is held in memory).
func (w *s3Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errDone
	}
	if w.pw == nil {
		if w.buf.Len()+len(p) <= s3SmallBlob {
			return w.buf.Write(p)
		}
		w.stream()
	}
	return w.pw.Write(p)
}

// stream starts the multipart upload of what was buffered followed by
// everything written from now on.
func (w *s3Writer) stream() {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(w.ctx)
	w.pw, w.cancel, w.result = pw, cancel, make(chan error, 1)
	head := bytes.NewReader(w.buf.Bytes())
	go func() {
		_, err := w.s.core.Client.PutObject(ctx, w.s.bucket, w.s.key(w.id), io.MultiReader(head, pr), -1, putOptions(s3PartSize))
		// Unblock a Write waiting on a failed upload; a finished one has
		// seen the end of the pipe already.
		pr.CloseWithError(cmpErr(err, io.ErrClosedPipe))
		w.result <- err
	}()
}

// putOptions are the options of every blob upload.
func putOptions(partSize uint64) minio.PutObjectOptions {
	return minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: partSize}
}

// cmpErr returns err, or def when err is nil.
func cmpErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// ID returns the blob's id.
func (w *s3Writer) ID() string { return w.id }

// Commit uploads or finishes uploading the blob and returns once the store
// has acknowledged it. On failure no object is left: minio-go aborts a
// failed multipart upload, and the sweeper aborts one whose abort failed.
func (w *s3Writer) Commit() error {
	if w.done {
		return errDone
	}
	w.done = true
	var err error
	if w.pw == nil {
		_, err = w.s.core.Client.PutObject(w.ctx, w.s.bucket, w.s.key(w.id), bytes.NewReader(w.buf.Bytes()),
			int64(w.buf.Len()), putOptions(0))
	} else {
		_ = w.pw.Close() // never fails: it only marks the end of the stream
		err = <-w.result
		w.cancel()
	}
	w.buf = bytes.Buffer{}
	if err != nil {
		return fmt.Errorf("committing blob to %s: %w", w.s.where, err)
	}
	return nil
}

// Abort drops the blob: a buffered one is forgotten, a streaming upload
// is cut off and aborted. It is a no-op once done.
func (w *s3Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.buf = bytes.Buffer{}
	if w.pw == nil {
		return nil
	}
	w.pw.CloseWithError(errAborted)
	w.cancel()
	if err := <-w.result; err == nil {
		// Cannot happen (the upload never read to the end), but if it
		// did, the object must go.
		return w.s.Delete(context.WithoutCancel(w.ctx), w.id)
	}
	return nil
}
