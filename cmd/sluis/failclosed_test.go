package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sluis/db"
)

// TestPolicyReadFailureAnswers451 sends mail over a real SMTP
// conversation while the units' policy cannot be read: DATA is answered
// 451 4.3.0 (the mail program tries again) and nothing is stored — no
// message, no blob of its attachment, no job. Once the policy is back,
// the same message goes through.
func TestPolicyReadFailureAnswers451(t *testing.T) {
	relay := startRelay(t, "")
	in := startInstance(t, relay)
	store := openData(t, in.data)
	_, blobs, _ := openBlobs(t, in.data)
	exec := func(q string) {
		t.Helper()
		if _, err := store.DB().ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	msg := "From: arts@zkh.test\r\nTo: patient@example.com\r\nSubject: Uitslag\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=uitslag.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcTl8uXrCg==\r\n--b--\r\n"

	exec(`ALTER TABLE unit_settings RENAME TO unit_settings_gone`)
	err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg)
	var reply *smtp.SMTPError
	if !errors.As(err, &reply) || reply.Code != 451 || reply.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Fatalf("DATA without the policy: %v, want 451 4.3.0", err)
	}
	if n := count(t, store, `SELECT COUNT(*) FROM messages`); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	if n := count(t, store, `SELECT COUNT(*) FROM river_job WHERE kind NOT LIKE 'sweep\_%' ESCAPE '\'`); n != 0 { // the periodic sweeps (blobs, drafts, sent records) may run
		t.Errorf("%d jobs enqueued", n)
	}
	if refs, orphans := countBlobs(t, store, blobs); refs != 0 || orphans != 0 {
		t.Errorf("blobs left: %d referenced, %d not", refs, orphans)
	}
	if n := countTemps(t, filepath.Join(in.data, "blobs", "tmp")); n != 0 {
		t.Errorf("%d temp files left", n)
	}

	exec(`ALTER TABLE unit_settings_gone RENAME TO unit_settings`)
	if err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg); err != nil {
		t.Fatalf("with the policy back: %v", err)
	}
	if got := relay.wait(t, 1, 30*time.Second); got[0].To[0] != "patient@example.com" {
		t.Errorf("notification to %v", got[0].To)
	}
}

func count(t *testing.T, store *db.Store, query string) int {
	t.Helper()
	var n int
	if err := store.DB().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
