package vault

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
)

// bufSize holds age's header, nonce and one sealed 64 KiB chunk, so a
// message body under 64 KiB reaches the blob in a single write.
const bufSize = 64<<10 + 16 + 1024

// bufs recycles the write buffers; they only ever hold ciphertext.
var bufs = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, bufSize) }}

// EncryptedWriter age-encrypts what is written to it into a new blob.
// Call Commit to keep the blob or Abort to drop it; Abort after Commit is a
// no-op, so `defer w.Abort()` is the usual pattern.
type EncryptedWriter struct {
	blob BlobWriter
	buf  *bufio.Writer
	enc  io.WriteCloser
	n    int64
	done bool
}

// Write encrypts p chunk by chunk; at most one 64 KiB chunk is held in memory.
func (w *EncryptedWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errDone
	}
	n, err := w.enc.Write(p)
	w.n += int64(n)
	return n, err
}

// Commit seals the last chunk and commits the blob durably; it returns the
// blob's id and the plaintext size. On failure the blob is aborted.
func (w *EncryptedWriter) Commit() (id string, plainSize int64, err error) {
	if w.done {
		return "", 0, errDone
	}
	err = w.enc.Close()
	if err == nil {
		err = w.buf.Flush()
	}
	w.release()
	if err != nil {
		return "", 0, errors.Join(fmt.Errorf("encrypting blob: %w", err), w.blob.Abort())
	}
	if err := w.blob.Commit(); err != nil {
		return "", 0, err
	}
	return w.blob.ID(), w.n, nil
}

// Abort drops the blob; it is a no-op after Commit or Abort.
func (w *EncryptedWriter) Abort() error {
	if w.done {
		return nil
	}
	w.release()
	return w.blob.Abort()
}

// release marks the writer done and returns its buffer to the pool.
func (w *EncryptedWriter) release() {
	w.done = true
	w.buf.Reset(nil)
	bufs.Put(w.buf)
	w.buf = nil
}
