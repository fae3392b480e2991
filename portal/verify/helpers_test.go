package verify

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/internal/testworld"
)

var ctx = context.Background()

const (
	smsAddr    = "patient@example.com"
	smsPhone   = "+31612345678"
	accessAddr = "advocaat@kantoor.example"
	accessCode = "Tulp-4471"
)

const plainMail = "From: arts@zkh.example\nTo: patient@example.com\nSubject: Uitslag\n\nBeste,\n"

// fixture is a World with a verify Service over it.
type fixture struct {
	*testworld.World
	v *Service
}

func newFixture(t *testing.T, store *db.Store, edit func(*Options)) *fixture {
	t.Helper()
	w := testworld.New(t, store, "")
	opt := Options{Logger: slog.New(slog.DiscardHandler), Store: w.Store, SMS: w.Texts, CodeKey: w.CodeKey(), Notifier: w.Delivery, Text: w.Text, Now: w.Clock.Now}
	if edit != nil {
		edit(&opt)
	}
	v, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{World: w, v: v}
}

// each runs fn on SQLite and PostgreSQL.
func each(t *testing.T, edit func(*Options), fn func(t *testing.T, f *fixture)) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) { fn(t, newFixture(t, s, edit)) })
}

// smsRecipient submits a message to one SMS recipient and returns it.
func (f *fixture) smsRecipient(t *testing.T, addr, phone string) db.Recipient {
	t.Helper()
	f.AddPhone(t, addr, phone)
	_, rs := f.Submit(t, plainMail, addr)
	return rs[0]
}

func (f *fixture) accessRecipient(t *testing.T) db.Recipient {
	t.Helper()
	f.AddAccessCode(t, accessAddr, accessCode, "the flower and the year")
	_, rs := f.Submit(t, plainMail, accessAddr)
	return rs[0]
}

// send asks for a code and returns it.
func (f *fixture) send(t *testing.T, rc db.Recipient) string {
	t.Helper()
	if _, err := f.v.SendCode(ctx, rc, "nl"); err != nil {
		t.Fatalf("SendCode: %v", err)
	}
	code := f.Texts.LastCode(rc.Phone)
	if !WellFormedCode(code) {
		t.Fatalf("no code in the text")
	}
	return code
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: err = %v, want %v", what, got, want)
	}
}

// wrong returns a well-formed code different from code.
func wrong(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func (f *fixture) advance(d time.Duration) { f.Clock.Advance(d) }
