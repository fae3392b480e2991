// Package testworld builds the whole-system world that tests and
// benchmarks of several packages (portal, verify, receipts, bench) share: a
// real migrated store, a vault with a fresh key, a delivery Service that
// submits messages the way the SMTP intake does, a job queue and an SMS
// gateway that record, and a settable clock. It is for tests only.
package testworld

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/delivery"
	"sluis/portal/i18n"
	"sluis/portal/mailer"
	"sluis/portal/mime"
	"sluis/portal/secret"
	"sluis/portal/sms"
	"sluis/portal/vault"
)

// BaseURL is the portal's address in the world's links.
const BaseURL = "http://localhost:8080"

// World is one organisation with one sender, ready to submit messages.
type World struct {
	Store    *db.Store
	Keys     *vault.Keys
	Vault    *vault.Vault
	Delivery *delivery.Service
	Jobs     *Jobs
	Texts    *Texts
	Text     *i18n.Bundle
	Clock    *dbtest.Clock
	Org      db.Org
	Sender   db.User
}

// New builds a World on store (nil: a fresh SQLite store) whose clock
// starts at a fixed time; baseURL "" means BaseURL.
func New(t testing.TB, store *db.Store, baseURL string) *World {
	t.Helper()
	clock := newClock()
	if store == nil {
		store = dbtest.SQLite(t, dbtest.Options{Now: clock.Now})
	}
	return build(t, clock, store, baseURL)
}

// OnPostgres is New on a fresh schema of the PostgreSQL that
// SLUIS_TEST_POSTGRES names, whose store shares the world's clock.
func OnPostgres(t testing.TB) *World {
	t.Helper()
	clock := newClock()
	return build(t, clock, dbtest.Postgres(t, dbtest.Options{Now: clock.Now}), "")
}

func newClock() *dbtest.Clock { return dbtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) }

func build(t testing.TB, clock *dbtest.Clock, store *db.Store, baseURL string) *World {
	t.Helper()
	w := &World{Clock: clock, Jobs: &Jobs{}, Texts: &Texts{}}
	if baseURL == "" {
		baseURL = BaseURL
	}
	w.Store = store
	data := t.TempDir()
	var err error
	if w.Keys, err = vault.LoadOrCreateKey(data, ""); err != nil {
		t.Fatal(err)
	}
	blobs, err := vault.NewFS(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	w.Vault = vault.New(w.Keys, blobs)
	if w.Text, err = i18n.New(); err != nil {
		t.Fatal(err)
	}
	w.Delivery = delivery.New(delivery.Options{Store: store, Vault: w.Vault, Keys: w.Keys, Jobs: w.Jobs, Text: w.Text,
		BaseURL: baseURL, MailFrom: "sluis@zkh.example", Now: w.Clock.Now, Mailer: &Mails{}})
	t.Cleanup(w.Delivery.Close)
	ctx := context.Background()
	if w.Org, err = store.CreateOrg(ctx, db.NewOrg{Name: "Ziekenhuis Oost", Domains: []string{"zkh.example"}}); err != nil {
		t.Fatal(err)
	}
	w.Sender, err = store.CreateUser(ctx, db.NewUser{OrgID: w.Org.ID, Email: "arts@zkh.example", Role: db.RoleSender,
		DisplayName: "Dr. Anna Arts"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// CodeKey is the SMS code key the lead derives from the master key.
func (w *World) CodeKey() []byte { return w.Keys.Derive("sms code v1") }

// AddPhone puts an address with a mobile number in the organisation's book.
func (w *World) AddPhone(t testing.TB, addr, phone string) {
	t.Helper()
	w.put(t, db.ContactInput{Email: addr, Phone: &phone})
}

// AddAccessCode puts an address (or a domain) with an access code and hint
// in the organisation's book; the code is hashed cheaply, for speed.
func (w *World) AddAccessCode(t testing.TB, key, code, hint string) {
	t.Helper()
	h, err := secret.HashWith(secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}, code)
	if err != nil {
		t.Fatal(err)
	}
	w.put(t, db.ContactInput{Email: key, AccessCodeHash: &h, AccessCodeHint: &hint})
}

func (w *World) put(t testing.TB, in db.ContactInput) {
	t.Helper()
	if _, _, err := w.Store.PutContact(context.Background(), db.OrgBook(w.Org.ID), in,
		db.Change{Source: db.SourceManual, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

// Submit parses raw (an RFC 5322 message, LF line ends allowed) as the
// intake does, submits it to rcpts and returns the message and its
// recipients.
func (w *World) Submit(t testing.TB, raw string, rcpts ...string) (db.Message, []db.Recipient) {
	t.Helper()
	ctx := context.Background()
	sink, cleanup, err := w.Delivery.NewSink(ctx, w.Sender)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mime.Parse(strings.NewReader(raw), mime.Limits{}, sink)
	if err != nil {
		cleanup()
		t.Fatalf("parsing the test message: %v", err)
	}
	if err := w.Delivery.Submit(ctx, &delivery.Incoming{User: w.Sender, Rcpts: rcpts, Message: msg, Size: int64(len(raw)),
		SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(raw)))}); err != nil {
		cleanup()
		t.Fatalf("submitting: %v", err)
	}
	return w.Latest(t)
}

// Latest returns the newest message and its recipients.
func (w *World) Latest(t testing.TB) (db.Message, []db.Recipient) {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := w.Store.DB().QueryRowContext(ctx, `SELECT MAX(id) FROM messages`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	m, err := w.Store.Message(ctx, w.Org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := w.Store.Recipients(ctx, w.Org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m, rs
}

// Path is the recipient's link without the base URL: /m/<token>.
func (w *World) Path(rc db.Recipient) string {
	u := w.Delivery.RecipientURL(rc.LinkNonce)
	return u[strings.Index(u, "/m/"):]
}

// Jobs is a job queue that records what was enqueued; it runs nothing.
type Jobs struct {
	mu   sync.Mutex
	jobs []river.JobArgs
}

// InsertTx records args.
func (j *Jobs) InsertTx(_ context.Context, _ *db.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jobs = append(j.jobs, args)
	return nil
}

// SenderEvents lists the events of the notify_sender jobs enqueued so far.
func (j *Jobs) SenderEvents() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, a := range j.jobs {
		if n, ok := a.(delivery.NotifySenderArgs); ok {
			out = append(out, n.Event)
		}
	}
	return out
}

// Texts is an SMS gateway that records the texts it is given, and fails
// while Fail is set.
type Texts struct {
	mu   sync.Mutex
	sent []sms.Message
	fail bool
}

// Send records m, or fails temporarily.
func (x *Texts) Send(_ context.Context, m sms.Message) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.fail {
		return &sms.Error{Temporary: true}
	}
	x.sent = append(x.sent, m)
	return nil
}

// SetFail makes the gateway fail (or work again).
func (x *Texts) SetFail(fail bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fail = fail
}

// Count is the number of texts taken.
func (x *Texts) Count() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.sent)
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// LastCode returns the code in the latest text to number, or "".
func (x *Texts) LastCode(number string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := len(x.sent) - 1; i >= 0; i-- {
		if x.sent[i].To == number {
			return sixDigits.FindString(x.sent[i].Text)
		}
	}
	return ""
}

// Mails is a mail sender that accepts everything and keeps nothing.
type Mails struct{}

// Send accepts m.
func (*Mails) Send(context.Context, *mailer.Message) (mailer.Result, error) {
	return mailer.Result{}, nil
}
