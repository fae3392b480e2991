package mailer

import (
	"context"
	"fmt"
	"time"

	"sluis/portal/devbox"
)

// Outbox is the dev and demo Sender: it keeps each message in the dev
// outbox (portal/devbox) instead of relaying it; the portal shows it there.
type Outbox struct {
	box *devbox.Box
	now func() time.Time
}

var _ Sender = (*Outbox)(nil)

// NewOutbox returns an Outbox keeping messages in box.
func NewOutbox(box *devbox.Box) *Outbox {
	return &Outbox{box: box, now: time.Now}
}

// Send keeps m; the Message-ID domain is that of m.From. A cancelled
// context or a failed write is a TemporaryError, as with a Relay.
func (o *Outbox) Send(ctx context.Context, m *Message) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, &TemporaryError{Stage: StageOutbox, Err: err}
	}
	now := o.now()
	raw, msgID, err := render(m, now, m.From.Addr)
	if err != nil {
		return Result{}, err
	}
	if _, err := o.box.PutMail(raw, now); err != nil {
		return Result{}, &TemporaryError{Stage: StageOutbox, Err: fmt.Errorf("storing outbox message: %w", err)}
	}
	return Result{MessageID: msgID}, nil
}
