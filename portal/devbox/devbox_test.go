package devbox

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func open(t *testing.T) (*Box, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "outbox")
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b, dir
}

const rawMail = "From: =?utf-8?q?J=C3=BCri_Tamm?= <noreply@sluis.test>\r\n" +
	"To: =?utf-8?q?=C3=85nne?= <anne@example.org>, bob@example.net\r\n" +
	"Subject: =?utf-8?q?Beveiligd_bericht_=E2=9C=89?=\r\n\r\nbody\r\n"

func TestBoxKeepsMailAndTextsNewestFirst(t *testing.T) {
	b, dir := open(t)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	mail, err := b.PutMail([]byte(rawMail), t0)
	if err != nil {
		t.Fatal(err)
	}
	text, err := b.PutText("+31612345678", "msg-1/rcpt-2", "Uw code: 123456\n\nSluis", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	broken, err := b.PutMail([]byte("no header at all"), t0.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, stray := range []string{"notes.txt", "old.eml", ".tmp-1"} {
		if err := os.WriteFile(filepath.Join(dir, stray), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	items, err := b.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{
		{ID: broken, Kind: Mail, Time: t0.Add(2 * time.Second)},
		{ID: text, Kind: Text, Time: t0.Add(time.Second), To: []string{"+31612345678"}, Reference: "msg-1/rcpt-2",
			Body: "Uw code: 123456\n\nSluis"},
		{ID: mail, Kind: Mail, Time: t0, From: "Jüri Tamm <noreply@sluis.test>",
			To: []string{"Ånne <anne@example.org>", "bob@example.net"}, Subject: "Beveiligd bericht ✉"},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", items, want)
	}
	if raw, err := b.Read(mail); err != nil || string(raw) != rawMail {
		t.Errorf("Read(mail) = %q, %v", raw, err)
	}
	if raw, err := b.Read(text); err != nil || string(raw) != "To: +31612345678\nReference: msg-1/rcpt-2\nDate: 2026-11-22T10:00:01Z\n\nUw code: 123456\n\nSluis" {
		t.Errorf("Read(text) = %q, %v", raw, err)
	}
	for name, perm := range map[string]os.FileMode{".": 0o700, mail + ".eml": 0o600, text + ".txt": 0o600} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != perm {
			t.Errorf("%s: mode %v (%v), want %v", name, fi.Mode().Perm(), err, perm)
		}
	}
}

func TestBoxReadRefusesPaths(t *testing.T) {
	b, dir := open(t)
	outside := filepath.Join(filepath.Dir(dir), "secret.eml")
	if err := os.WriteFile(outside, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A well-formed id whose file is a symbolic link out of the folder.
	linked := "20260301T090000.000000000Z-0000abcd"
	if err := os.Symlink(outside, filepath.Join(dir, linked+".eml")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "..", "../secret", "/etc/passwd", "..%2fsecret", "stray",
		"20260301T090000.000000000Z-0000abcd.eml", "20260301T090000.000000000Z-0000abcd/../../secret",
		"20260301T090000.000000000Z-12345678", // well-formed, but absent
	} {
		if raw, err := b.Read(id); !errors.Is(err, ErrNotFound) || raw != nil {
			t.Errorf("Read(%q) = %q, %v; want ErrNotFound", id, raw, err)
		}
	}
	if raw, err := b.Read(linked); err == nil {
		t.Errorf("Read through a link out of the folder = %q", raw)
	}
}

func TestPutTextRefusesALineBreakInTheHeader(t *testing.T) {
	b, _ := open(t)
	now := time.Now()
	for _, bad := range [][2]string{{"+31612345678\nReference: x", "r"}, {"+31612345678", "r\r\nTo: +33"}} {
		if _, err := b.PutText(bad[0], bad[1], "text", now); err == nil {
			t.Errorf("PutText(%q, %q) was kept", bad[0], bad[1])
		}
	}
	if items, err := b.List(); err != nil || len(items) != 0 {
		t.Errorf("List = %v, %v; want nothing kept", items, err)
	}
}

func TestListFailsWhenTheFolderIsGone(t *testing.T) {
	b, dir := open(t)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if items, err := b.List(); err == nil {
		t.Errorf("List = %v without a folder", items)
	}
}
