package mailer

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// ErrNotFound means the outbox holds no message with that id.
var ErrNotFound = errors.New("mailer: no such outbox message")

// Outbox is the dev and demo Sender: it stores each message as an .eml file
// in one folder, for the portal to list and show. Files are readable by the
// owner only, as the mails carry secret links.
type Outbox struct {
	dir string
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

// An id is the UTC store time with nanoseconds (so ids sort by time) and a
// random suffix; nothing else is ever accepted, which rules out paths.
const idTime = "20060102T150405.000000000Z"

var outboxID = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{8}$`)

// NewOutbox returns an Outbox storing into dir, creating it if needed.
func NewOutbox(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating outbox: %w", err)
	}
	return &Outbox{dir: dir, now: time.Now}, nil
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
	id := now.UTC().Format(idTime) + "-" + hex.EncodeToString(randomBytes(4))
	if err := o.write(id, raw); err != nil {
		return Result{}, &TemporaryError{Stage: StageOutbox, Err: err}
	}
	return Result{MessageID: msgID}, nil
}

// write stores raw under id through a temporary file, so List never sees
// half a message.
func (o *Outbox) write(id string, raw []byte) error {
	f, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("storing outbox message: %w", err)
	}
	_, err = f.Write(raw)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(o.dir, id+".eml"))
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("storing outbox message: %w", err)
	}
	return nil
}

// List returns the stored messages, newest first.
func (o *Outbox) List() ([]OutboxItem, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("listing outbox: %w", err)
	}
	var items []OutboxItem
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".eml")
		if !ok || !outboxID.MatchString(id) {
			continue
		}
		item, err := o.item(id)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	slices.SortFunc(items, func(a, b OutboxItem) int { return strings.Compare(b.ID, a.ID) })
	return items, nil
}

// item reads the header of one message. A header that does not parse (a
// malformed Raw message) leaves the fields empty rather than hiding the
// message from the page.
func (o *Outbox) item(id string) (OutboxItem, error) {
	t, _ := time.Parse(idTime, id[:len(idTime)]) // the regexp vouches for the shape
	item := OutboxItem{ID: id, Time: t}
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
	if !outboxID.MatchString(id) {
		return nil, fmt.Errorf("%w: malformed id", ErrNotFound)
	}
	f, err := os.OpenInRoot(o.dir, id+".eml")
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("opening outbox message %s: %w", id, err)
	}
	return f, nil
}
