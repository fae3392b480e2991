package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/secret"
)

var ctx = context.Background()

// cheap keeps tests fast; the real importer uses secret.Hash (OWASP).
var cheap = secret.Params{MemoryKiB: 64, Passes: 1, Lanes: 1}

func newImporter(s *db.Store) *Importer {
	return &Importer{
		Store:  s,
		Hash:   func(c string) (string, error) { return secret.HashWith(cheap, c) },
		Verify: secret.Verify,
	}
}

func setup(t *testing.T) (*db.Store, db.Book) {
	t.Helper()
	s := dbtest.SQLite(t, dbtest.Options{})
	o, err := s.CreateOrg(ctx, db.NewOrg{Name: "Gemeente Voorbeeld", Domains: []string{"voorbeeld.nl"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, db.OrgBook(o.ID)
}

var importOpts = Options{Region: "NL", Change: db.Change{Source: db.SourceImport, Actor: "test"}}

func TestImportRows(t *testing.T) {
	file := "\ufeffemail_address,full_name,phone_number,access_code,access_code_hint\n" +
		"alice@example.com,Alice Jansen,+31612345678,,\n" + // 2 good: E.164
		"bob@example.org,Bob,0031612345679,,\n" + // 3 good: 00 prefix
		"carla@example.be,\"Carla, Peeters\",06-12345670,,\n" + // 4 good: national form, NL region
		"dirk@example.fr,Dirk,,geheim123,de kleur van het huis\n" + // 5 good: access code with hint
		"@partner.nl,Partner BV,,partnercode99,\n" + // 6 good: domain entry
		"not-an-address,X,+31612345678,,\n" + // 7 bad address
		"eve@example.com,Eve,+31201234567,,\n" + // 8 landline
		"frank@example.com,Frank,12,,\n" + // 9 not a number
		"gina@example.com,Gina,,short,\n" + // 10 code too short
		"hans@example.com,Hans,,zomer2026!,het is Zomer 2026!\n" + // 11 hint contains the code
		"ALICE@example.com,Alice again,+31612345678,,\n" + // 12 not a duplicate: local parts keep their case
		"alice@EXAMPLE.com,Alice twice,+31612345678,,\n" + // 13 duplicate in file (domain case-insensitive)
		"@other.nl,Other,+31612345678,,\n" + // 14 phone on a domain entry
		"ivo@example.com,Ivo,,,just a hint\n" + // 15 hint without a code
		"\n" + // blank line: skipped
		"jan@example.com,Jan,+32 470 12 34 56,,\n" // 17 good: Belgian mobile
	s, book := setup(t)
	rep, err := newImporter(s).Import(ctx, book, strings.NewReader(file), importOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{7: "bad_address", 8: "not_mobile", 9: "bad_phone", 10: "code_too_short",
		11: "hint_contains_code", 13: "duplicate_in_file", 14: "phone_on_domain", 15: "hint_without_code"}
	got := map[int]string{}
	for _, e := range rep.Invalid {
		got[e.Line] = e.Reason
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("invalid rows = %v\nwant %v", got, want)
	}
	if rep.Rows != 15 || rep.Created != 7 || rep.Updated != 0 {
		t.Errorf("report = %+v", rep)
	}
	checks := map[string]string{"alice@example.com": "+31612345678", "bob@example.org": "+31612345679",
		"carla@example.be": "+31612345670", "jan@example.com": "+32470123456"}
	for addr, phone := range checks {
		c, err := s.Contact(ctx, book, addr)
		if err != nil || c.Phone != phone || c.Source != db.SourceImport {
			t.Errorf("%s = %+v, %v; want phone %s", addr, c, err, phone)
		}
	}
	c, _ := s.Contact(ctx, book, "carla@example.be")
	if c.FullName != "Carla, Peeters" {
		t.Errorf("quoted name = %q", c.FullName)
	}
	d, _ := s.Contact(ctx, book, "dirk@example.fr")
	if ok, _ := secret.Verify(d.AccessCodeHash, "geheim123"); !ok || d.AccessCodeHint != "de kleur van het huis" {
		t.Errorf("access code not stored as a verifiable hash: %+v", d)
	}
	if dom, err := s.Contact(ctx, book, "partner.nl"); err != nil || dom.Kind != db.KindDomain {
		t.Errorf("domain entry = %+v, %v", dom, err)
	}
	for _, addr := range []string{"eve@example.com", "gina@example.com", "hans@example.com"} {
		if _, err := s.Contact(ctx, book, addr); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("invalid row %s was stored", addr)
		}
	}

	// The same file again changes nothing: codes are verified, not re-hashed.
	rep, err = newImporter(s).Import(ctx, book, strings.NewReader(file), importOpts)
	if err != nil || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 7 {
		t.Errorf("re-import = %+v, %v", rep, err)
	}
	if h, _ := s.ContactHistory(ctx, book.OrgID, d.ID); len(h) != 3 {
		t.Errorf("re-import wrote history: %d rows, want 3", len(h))
	}
}

func TestImportSemicolonsAndPartialColumns(t *testing.T) {
	s, book := setup(t)
	file := "Phone_Number;Email_Address\r\n0612345678;a@example.com\r\n+33612345678;b@example.com\r\n"
	rep, err := newImporter(s).Import(ctx, book, strings.NewReader(file), importOpts)
	if err != nil || rep.Created != 2 || len(rep.Invalid) != 0 {
		t.Fatalf("report = %+v, %v", rep, err)
	}
	// An empty or absent cell leaves the field as it is.
	if _, _, err := s.PutContact(ctx, book, db.ContactInput{Email: "a@example.com", FullName: ptr("Anna")}, db.Change{Source: db.SourceManual}); err != nil {
		t.Fatal(err)
	}
	if _, err := newImporter(s).Import(ctx, book, strings.NewReader(file), importOpts); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Contact(ctx, book, "a@example.com"); c.FullName != "Anna" || c.Phone != "+31612345678" {
		t.Errorf("contact = %+v", c)
	}
}

func ptr(s string) *string { return &s }

func TestImportDryRunWritesNothing(t *testing.T) {
	s, book := setup(t)
	file := "email_address,phone_number\na@example.com,+31612345678\nb@example.com,nope\n"
	rep, err := newImporter(s).Import(ctx, book, strings.NewReader(file), Options{Region: "NL", DryRun: true, Change: importOpts.Change})
	if err != nil || !rep.DryRun || rep.Created != 1 || len(rep.Invalid) != 1 {
		t.Fatalf("dry run = %+v, %v", rep, err)
	}
	if l, _ := s.Contacts(ctx, book, db.ContactQuery{}); len(l) != 0 {
		t.Errorf("dry run wrote %d contacts", len(l))
	}
}

func TestImportRefusesFilesThatAreNotImports(t *testing.T) {
	cases := map[string]string{
		"empty":          "",
		"no header":      "a@example.com,+31612345678\n",
		"unknown column": "email_address,fax\n",
		"no email":       "full_name,phone_number\nA,+31612345678\n",
		"bad quoting":    "email_address,full_name\na@example.com,\"unterminated\n",
		"extra fields":   "email_address\na@example.com,b,c\n",
		"binary":         "\x00\x01\x02\xff\xfe",
	}
	for name, file := range cases {
		s, book := setup(t)
		_, err := newImporter(s).Import(ctx, book, strings.NewReader(file), importOpts)
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want FileError", name, err)
		}
		if l, _ := s.Contacts(ctx, book, db.ContactQuery{}); len(l) != 0 {
			t.Errorf("%s: a refused file wrote %d contacts", name, len(l))
		}
	}
}

func TestCheckAccessCode(t *testing.T) {
	for _, c := range []struct{ code, hint, reason string }{
		{"abcdefgh", "", ""},
		{"abcdefgh", "the usual", ""},
		{"abcdefg", "", "code_too_short"},
		{"Zomer 2026", "zomer2026 was it", "hint_contains_code"},
		{strings.Repeat("x", 129), "", "too_long"},
	} {
		err := CheckAccessCode(c.code, c.hint)
		var fe *FieldError
		if (c.reason == "" && err != nil) || (c.reason != "" && (!errors.As(err, &fe) || fe.Reason != c.reason)) {
			t.Errorf("CheckAccessCode(%q, %q) = %v, want %q", c.code, c.hint, err, c.reason)
		}
	}
}

// TestImportAuditIsInTheTransaction: the import's audit event commits
// with its rows; when it cannot be written, no row is applied either.
func TestImportAuditIsInTheTransaction(t *testing.T) {
	s, book := setup(t)
	file := "email_address,phone_number\na@example.com,+31612345678\n"
	opt := importOpts
	opt.Audit = &db.AuditEvent{OrgID: book.OrgID, Actor: "cli", Kind: "book.import", Target: "book"}
	err := s.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.SQL().ExecContext(ctx, `ALTER TABLE audit_events RENAME TO audit_events_gone`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newImporter(s).Import(ctx, book, strings.NewReader(file), opt); err == nil {
		t.Error("imported without the audit event")
	}
	if l, _ := s.Contacts(ctx, book, db.ContactQuery{}); len(l) != 0 {
		t.Errorf("a failed import wrote %d contacts", len(l))
	}
	if err := s.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.SQL().ExecContext(ctx, `ALTER TABLE audit_events_gone RENAME TO audit_events`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if rep, err := newImporter(s).Import(ctx, book, strings.NewReader(file), opt); err != nil || rep.Created != 1 {
		t.Fatalf("import = %+v, %v", rep, err)
	}
	events, err := s.AuditEvents(ctx, book.OrgID, db.AuditQuery{Limit: 10})
	if err != nil || len(events) != 1 || events[0].Detail != "rows=1 created=1 updated=0 unchanged=0 invalid=0" {
		t.Errorf("audit = %+v, %v", events, err)
	}
}
