package sms

import (
	"context"
	"log/slog"
	"time"

	"sluis/portal/devbox"
)

// Log is the dev and demo gateway: it logs that a text was sent, with the
// masked number and the reference but never the text, and keeps the whole
// text in the dev outbox (when it has one) for the dev outbox page.
type Log struct {
	logger *slog.Logger
	outbox *devbox.Box
	now    func() time.Time
}

var _ Sender = (*Log)(nil)

// NewLog returns a Log gateway; a nil logger means slog.Default, a nil outbox keeps nothing.
func NewLog(logger *slog.Logger, outbox *devbox.Box) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger, outbox: outbox, now: time.Now}
}

// Send keeps m in the outbox and logs it; a cancelled context or a failed
// write is temporary, as with a real gateway.
func (l *Log) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &Error{Temporary: true, Err: err}
	}
	attrs := []any{slog.String("to", Mask(m.To)), slog.String("reference", m.Reference)}
	if l.outbox != nil {
		id, err := l.outbox.PutText(m.To, m.Reference, m.Text, l.now())
		if err != nil {
			return &Error{Temporary: true, Err: err}
		}
		attrs = append(attrs, slog.String("outbox_id", id))
	}
	l.logger.InfoContext(ctx, "text sent", attrs...)
	return nil
}
