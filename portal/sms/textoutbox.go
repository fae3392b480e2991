package sms

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ErrNotFound means the TextOutbox holds no text with that id; it matches
// fs.ErrNotExist too.
var ErrNotFound = fmt.Errorf("sms: no such text: %w", fs.ErrNotExist)

// TextOutbox keeps the texts of the Log gateway, one file each in a folder,
// for the portal's dev outbox page. Files are readable by the owner only, as
// the texts hold codes. It is safe for concurrent use.
type TextOutbox struct {
	dir string
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

// An id is the UTC store time with nanoseconds (so ids sort by time) and a
// random suffix; nothing else is ever accepted, which rules out paths.
const textIDTime = "20060102T150405.000000000Z"

var textID = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{8}$`)

// NewTextOutbox returns a TextOutbox storing into dir, creating it if needed.
func NewTextOutbox(dir string) (*TextOutbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sms: creating text outbox: %w", err)
	}
	return &TextOutbox{dir: dir, now: time.Now}, nil
}

// store keeps m, already validated, and returns its id. The file is written
// under a temporary name and renamed, so List never sees half a text.
func (o *TextOutbox) store(m Message) (string, error) {
	now := o.now().UTC()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix) // never fails
	id := now.Format(textIDTime) + "-" + hex.EncodeToString(suffix)
	// validate keeps To and Reference on one line each; the text comes last.
	raw := "To: " + m.To + "\nReference: " + m.Reference + "\nDate: " + now.Format(time.RFC3339) + "\n\n" + m.Text
	f, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("storing text: %w", err)
	}
	_, err = f.WriteString(raw)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(o.dir, id+".txt"))
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("storing text: %w", err)
	}
	return id, nil
}

// List returns the kept texts, newest first.
func (o *TextOutbox) List() ([]TextItem, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, fmt.Errorf("sms: listing text outbox: %w", err)
	}
	var items []TextItem
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".txt")
		if !ok || !textID.MatchString(id) {
			continue
		}
		raw, err := o.Read(id)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		items = append(items, parseText(id, raw))
	}
	slices.SortFunc(items, func(a, b TextItem) int { return strings.Compare(b.ID, a.ID) })
	return items, nil
}

// parseText reads a stored file back; a damaged one yields empty fields.
func parseText(id string, raw []byte) TextItem {
	t, _ := time.Parse(textIDTime, id[:len(textIDTime)]) // the regexp vouches for the shape
	item := TextItem{ID: id, Time: t}
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
	if !textID.MatchString(id) {
		return nil, fmt.Errorf("%w: malformed id", ErrNotFound)
	}
	f, err := os.OpenInRoot(o.dir, id+".txt")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sms: opening text %s: %w", id, err)
	}
	defer func() { _ = f.Close() }() // read-only
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("sms: reading text %s: %w", id, err)
	}
	return raw, nil
}
