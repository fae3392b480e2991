package vault

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"filippo.io/age"
)

// Vault encrypts blobs and small values to the server's key.
type Vault struct {
	keys     *Keys
	store    BlobStore
	fieldKey []byte
}

// New returns a Vault that keeps its blobs in store.
func New(keys *Keys, store BlobStore) *Vault {
	return &Vault{keys: keys, store: store, fieldKey: keys.Derive("field encryption v1")}
}

// Writer starts a new encrypted blob.
func (v *Vault) Writer(ctx context.Context) (*EncryptedWriter, error) {
	blob, err := v.store.Create(ctx)
	if err != nil {
		return nil, err
	}
	buf := bufs.Get().(*bufio.Writer)
	buf.Reset(blob)
	enc, err := age.Encrypt(buf, v.keys.recipient)
	if err != nil {
		w := &EncryptedWriter{blob: blob, buf: buf}
		return nil, errors.Join(fmt.Errorf("encrypting blob: %w", err), w.Abort())
	}
	return &EncryptedWriter{blob: blob, buf: buf, enc: enc}, nil
}

// copyBufs recycles Put's copy buffers (one age chunk each).
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// Put encrypts everything r yields into a new blob and commits it durably.
// Cancelling ctx is seen before and after the copy; r's own deadlines bound
// the copy itself.
func (v *Vault) Put(ctx context.Context, r io.Reader) (id string, size int64, err error) {
	w, err := v.Writer(ctx)
	if err != nil {
		return "", 0, err
	}
	b := copyBufs.Get().(*[]byte)
	_, err = io.CopyBuffer(w, r, *b)
	copyBufs.Put(b)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return "", 0, errors.Join(err, w.Abort())
	}
	return w.Commit()
}

// Open returns the decrypted content of a blob. Every 64 KiB chunk is
// authenticated before any of it is returned, but a tampered or truncated
// blob is only noticed when its bad chunk is reached: a read error means the
// content is incomplete and must not be shown or sent as if whole.
func (v *Vault) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	rc, err := v.store.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(rc, v.keys.identities...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("decrypting blob %s: %w", id, err), rc.Close())
	}
	return readCloser{r, rc}, nil
}

// readCloser reads plaintext and closes the blob underneath.
type readCloser struct {
	io.Reader
	io.Closer
}

// Delete removes a blob; a missing blob is not an error.
func (v *Vault) Delete(ctx context.Context, id string) error {
	return v.store.Delete(ctx, id)
}

// Seal encrypts a small value (a subject) for a database column.
// The result is an age file: about 200 bytes more than the plaintext.
func (v *Vault) Seal(plaintext []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(plaintext) + 256)
	w, err := age.Encrypt(&buf, v.keys.recipient)
	if err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return buf.Bytes(), nil
}

// Unseal decrypts a value made by Seal; tampering gives an error.
func (v *Vault) Unseal(ciphertext []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), v.keys.identities...)
	if err != nil {
		return nil, fmt.Errorf("unsealing: %w", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("unsealing: %w", err)
	}
	return b, nil
}
