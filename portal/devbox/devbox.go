// Package devbox is the dev outbox. In demo and development mode the mail
// Sluis would have relayed (mailer.Outbox) and the texts the log SMS
// gateway would have sent (sms.Log) are kept here instead, as files in one
// folder, for the portal's /dev/outbox page. This package owns the folder:
// how items are stored, named, listed and read back. The senders only
// write to it; the portal only renders what List and Read return.
//
// Files are the owner's only (0600 in a 0700 folder), as the mails carry
// secret links and the texts hold codes. An id is the UTC time the item was
// stored, with nanoseconds, and a random suffix, so ids sort by time and
// nothing else is accepted as an id, which rules out paths.
package devbox

import (
	"bufio"
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

// ErrNotFound: no item has that id (or the id is malformed).
var ErrNotFound = errors.New("devbox: no such item")

// Kind tells a kept mail from a kept text.
type Kind string

// The kinds of item, each kept with its own file extension.
const (
	Mail Kind = "mail" // an RFC 5322 message, kept as .eml
	Text Kind = "text" // a text message, kept as .txt
)

var exts = map[Kind]string{Mail: ".eml", Text: ".txt"}

const idTime = "20060102T150405.000000000Z"

var idRE = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{8}$`)

// Item summarises one kept mail or text.
type Item struct {
	ID   string
	Kind Kind
	Time time.Time // when it was kept
	// To is a mail's To addresses, or a text's number (E.164, unmasked:
	// this is the dev outbox).
	To []string
	// From and Subject are a mail's decoded headers.
	From, Subject string
	// Reference and Body are a text's reference and whole text.
	Reference, Body string
}

// Box is the dev outbox folder. It holds no state of its own beyond the
// folder's name, so several Boxes on one folder see the same items.
type Box struct {
	dir string
}

// Open returns the Box on dir, creating the folder if needed.
func Open(dir string) (*Box, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the dev outbox: %w", err)
	}
	return &Box{dir: dir}, nil
}

// PutMail keeps raw, a whole message, made at at, and returns its id.
func (b *Box) PutMail(raw []byte, at time.Time) (string, error) {
	return b.put(Mail, raw, at)
}

// PutText keeps a text to a number, made at at, and returns its id. The
// number and the reference must be one line each; the text may be any.
func (b *Box) PutText(to, reference, text string, at time.Time) (string, error) {
	if strings.ContainsAny(to+reference, "\r\n") {
		return "", errors.New("devbox: a text's number and reference must be one line each")
	}
	raw := "To: " + to + "\nReference: " + reference + "\nDate: " + at.UTC().Format(time.RFC3339) + "\n\n" + text
	return b.put(Text, []byte(raw), at)
}

// put writes a temporary file and renames it, so List never sees half an item.
func (b *Box) put(kind Kind, raw []byte, at time.Time) (string, error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix) // never fails
	id := at.UTC().Format(idTime) + "-" + hex.EncodeToString(suffix)
	tmp, err := os.CreateTemp(b.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("keeping a %s: %w", kind, err)
	}
	_, err = tmp.Write(raw)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(b.dir, id+exts[kind]))
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort; the error below is what counts
		return "", fmt.Errorf("keeping a %s: %w", kind, err)
	}
	return id, nil
}

// List returns every kept mail and text, newest first. An item that does
// not parse is listed with what could be read, rather than hidden.
func (b *Box) List() ([]Item, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, fmt.Errorf("listing the dev outbox: %w", err)
	}
	var items []Item
	for _, e := range entries {
		for kind, ext := range exts {
			id, ok := strings.CutSuffix(e.Name(), ext)
			if !ok || !idRE.MatchString(id) {
				continue
			}
			item, err := b.item(kind, id)
			if errors.Is(err, ErrNotFound) {
				continue // removed meanwhile
			}
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
	}
	slices.SortFunc(items, func(x, y Item) int { return strings.Compare(y.ID, x.ID) })
	return items, nil
}

// item reads the summary of one item.
func (b *Box) item(kind Kind, id string) (Item, error) {
	f, err := b.open(id, exts[kind])
	if err != nil {
		return Item{}, err
	}
	defer func() { _ = f.Close() }() // read-only
	t, _ := time.Parse(idTime, id[:len(idTime)])
	item := Item{ID: id, Kind: kind, Time: t}
	if kind == Mail {
		readMailHeader(&item, bufio.NewReader(f))
		return item, nil
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return Item{}, fmt.Errorf("reading dev outbox item %s: %w", id, err)
	}
	readText(&item, string(raw))
	return item, nil
}

// readText fills a text's fields from its file; a damaged one leaves them empty.
func readText(item *Item, raw string) {
	head, body, _ := strings.Cut(raw, "\n\n")
	item.Body = body
	for line := range strings.SplitSeq(head, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "To":
			item.To = []string{v}
		case "Reference":
			item.Reference = v
		}
	}
}

// Read returns the file of one item as it was kept.
func (b *Box) Read(id string) ([]byte, error) {
	if !idRE.MatchString(id) {
		return nil, fmt.Errorf("%w: malformed id", ErrNotFound)
	}
	for _, ext := range []string{exts[Mail], exts[Text]} {
		f, err := b.open(id, ext)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer func() { _ = f.Close() }() // read-only
		raw, err := io.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("reading dev outbox item %s: %w", id, err)
		}
		return raw, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// open opens the file of a well-formed id, and only inside the folder: a
// symbolic link out of it is refused.
func (b *Box) open(id, ext string) (*os.File, error) {
	f, err := os.OpenInRoot(b.dir, id+ext)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("opening dev outbox item %s: %w", id, err)
	}
	return f, nil
}

// Get returns the summary of one item, with its kind, and its file as kept.
func (b *Box) Get(id string) (Item, []byte, error) {
	raw, err := b.Read(id)
	if err != nil {
		return Item{}, nil, err
	}
	for _, kind := range []Kind{Mail, Text} {
		if it, err := b.item(kind, id); err == nil {
			return it, raw, nil
		}
	}
	return Item{}, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
}
