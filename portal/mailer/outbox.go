package mailer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"sluis/portal/devbox"
)

// ErrNotFound means the outbox holds no message with that id.
var ErrNotFound = errors.New("mailer: no such outbox message")

// Outbox is the dev and demo Sender: it stores each message as an .eml file
// in one folder, for the portal to list and show. Files are readable by the
// owner only, as the mails carry secret links.
type Outbox struct {
	box *devbox.Folder
	now func() time.Time
}

var _ Sender = (*Outbox)(nil)

// OutboxItem summarises one stored message.
type OutboxItem struct {
	ID      string
	Time    time.Time
	From    string // decoded header text
	To      string // decoded header text
	Subject string
}

// NewOutbox returns an Outbox storing into dir, creating it if needed.
func NewOutbox(dir string) (*Outbox, error) {
	box, err := devbox.Open(dir, ".eml")
	if err != nil {
		return nil, fmt.Errorf("creating outbox: %w", err)
	}
	return &Outbox{box: box, now: time.Now}, nil
}

// Send stores m; the Message-ID domain is that of m.From. A cancelled
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
	if _, err := o.box.Put(raw, now); err != nil {
		return Result{}, &TemporaryError{Stage: StageOutbox, Err: fmt.Errorf("storing outbox message: %w", err)}
	}
	return Result{MessageID: msgID}, nil
}

// List returns the stored messages, newest first.
func (o *Outbox) List() ([]OutboxItem, error) {
	ids, err := o.box.IDs()
	if err != nil {
		return nil, fmt.Errorf("listing outbox: %w", err)
	}
	items := make([]OutboxItem, 0, len(ids))
	for _, id := range ids {
		item, err := o.item(id)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

// item reads the header of one message. A header that does not parse (a
// malformed Raw message) leaves the fields empty rather than hiding the
// message from the page.
func (o *Outbox) item(id string) (OutboxItem, error) {
	item := OutboxItem{ID: id, Time: devbox.Time(id)}
	f, err := o.open(id)
	if err != nil {
		return item, err
	}
	defer func() { _ = f.Close() }() // read-only
	th, err := textproto.ReadHeader(bufio.NewReader(f))
	if err != nil {
		return item, nil
	}
	h := gomail.Header{Header: message.Header{Header: th}}
	item.From, _ = h.Text("From")
	item.To, _ = h.Text("To")
	item.Subject, _ = h.Subject()
	return item, nil
}

// Read returns the bytes of one stored message.
func (o *Outbox) Read(id string) ([]byte, error) {
	f, err := o.open(id)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading outbox message %s: %w", id, err)
	}
	return raw, nil
}

// open opens the file of a well-formed id, and only inside the outbox.
func (o *Outbox) open(id string) (*os.File, error) {
	f, err := o.box.Open(id)
	if errors.Is(err, devbox.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("opening outbox message %s: %w", id, err)
	}
	return f, nil
}
