package sms

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"sluis/portal/devbox"
)

// ErrNotFound means the TextOutbox holds no text with that id; it matches
// fs.ErrNotExist too.
var ErrNotFound = fmt.Errorf("sms: no such text: %w", fs.ErrNotExist)

// TextOutbox keeps the texts of the Log gateway, one file each in a folder,
// for the portal's dev outbox page. Files are readable by the owner only, as
// the texts hold codes. It is safe for concurrent use.
type TextOutbox struct {
	box *devbox.Folder
	now func() time.Time
}

// TextItem is one kept text.
type TextItem struct {
	ID        string
	Time      time.Time
	To        string // E.164, unmasked: this is the dev outbox
	Reference string
	Text      string
}

// NewTextOutbox returns a TextOutbox storing into dir, creating it if needed.
func NewTextOutbox(dir string) (*TextOutbox, error) {
	box, err := devbox.Open(dir, ".txt")
	if err != nil {
		return nil, fmt.Errorf("sms: creating text outbox: %w", err)
	}
	return &TextOutbox{box: box, now: time.Now}, nil
}

// store keeps m, already validated, and returns its id.
func (o *TextOutbox) store(m Message) (string, error) {
	now := o.now().UTC()
	// validate keeps To and Reference on one line each; the text comes last.
	raw := "To: " + m.To + "\nReference: " + m.Reference + "\nDate: " + now.Format(time.RFC3339) + "\n\n" + m.Text
	id, err := o.box.Put([]byte(raw), now)
	if err != nil {
		return "", fmt.Errorf("storing text: %w", err)
	}
	return id, nil
}

// List returns the kept texts, newest first.
func (o *TextOutbox) List() ([]TextItem, error) {
	ids, err := o.box.IDs()
	if err != nil {
		return nil, fmt.Errorf("sms: listing text outbox: %w", err)
	}
	items := make([]TextItem, 0, len(ids))
	for _, id := range ids {
		raw, err := o.Read(id)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		items = append(items, parseText(id, raw))
	}
	return items, nil
}

// parseText reads a stored file back; a damaged one yields empty fields.
func parseText(id string, raw []byte) TextItem {
	item := TextItem{ID: id, Time: devbox.Time(id)}
	head, text, _ := strings.Cut(string(raw), "\n\n")
	item.Text = text
	for line := range strings.SplitSeq(head, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "To":
			item.To = v
		case "Reference":
			item.Reference = v
		}
	}
	return item
}

// Read returns the stored file of one text: a short header, a blank line, the text.
func (o *TextOutbox) Read(id string) ([]byte, error) {
	raw, err := o.box.Read(id)
	if errors.Is(err, devbox.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("sms: reading text %s: %w", id, err)
	}
	return raw, nil
}
