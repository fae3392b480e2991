package delivery

import (
	"context"
	"errors"
	"io"
	"sync"

	"sluis/db"
	"sluis/portal/mime"
)

// blobSink stores a message's attachments as encrypted blobs while the
// parser streams them, and remembers them so a failed submission can
// remove them again.
type blobSink struct {
	ctx context.Context
	s   *Service
	mu  sync.Mutex
	ids []string
}

// NewSink returns the sink for one incoming message and the function that
// deletes what it stored (call it when the submission fails).
func (s *Service) NewSink(ctx context.Context, _ db.User) (mime.Sink, func(), error) {
	b := &blobSink{ctx: ctx, s: s}
	return b, b.cleanup, nil
}

// Attachment encrypts r into a new blob.
func (b *blobSink) Attachment(_ mime.AttachmentInfo, r io.Reader) (string, error) {
	id, _, err := b.s.opt.Vault.Put(b.ctx, r)
	if err != nil {
		return "", err
	}
	b.remember(id)
	return id, nil
}

func (b *blobSink) remember(id string) {
	b.mu.Lock()
	b.ids = append(b.ids, id)
	b.mu.Unlock()
}

// cleanup deletes every blob the sink stored. A crash before it runs
// leaves orphans for the sweeper.
func (b *blobSink) cleanup() {
	b.mu.Lock()
	ids := b.ids
	b.ids = nil
	b.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, b.s.opt.Vault.Delete(context.Background(), id))
	}
	if err := errors.Join(errs...); err != nil {
		b.s.opt.Logger.Warn("removing blobs of a failed submission", "err", err)
	}
}
