package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// instance is a running `sluis serve` in this process, on loopback ports.
type instance struct {
	data, http, smtp string
	relay            *testRelay
	stop             func()
	stderr           *bytes.Buffer
}

const e2ePassword = "correct horse battery staple"

func startInstance(t *testing.T, relay *testRelay, extra ...string) *instance {
	t.Helper()
	return startInstanceEnv(t, relay, nil, extra...)
}

// startInstanceEnv is startInstance with more environment for every
// command (an object store's settings, say).
func startInstanceEnv(t *testing.T, relay *testRelay, more map[string]string, extra ...string) *instance {
	t.Helper()
	in := &instance{data: t.TempDir(), http: "127.0.0.1:" + freePort(t), smtp: "127.0.0.1:" + freePort(t), relay: relay, stderr: &bytes.Buffer{}}
	env := map[string]string{"SLUIS_DATA": in.data}
	for k, v := range more {
		env[k] = v
	}
	mustRun(t, env, "migrate")
	mustRun(t, env, "org", "create", "--name", "Ziekenhuis Test", "--domain", "zkh.test")
	mustRun(t, env, "user", "add", "--email", "arts@zkh.test", "--name", "Dr. Arts", "--language", "en", "--password", e2ePassword)
	importBook(t, in.data, "patient@example.com,Patient,+31612345678")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args := append([]string{"serve", "--http", in.http, "--smtp", in.smtp, "--relay", "smtp://" + relay.addr,
		"--base-url", "http://" + in.http, "--mail-from", "sluis@zkh.test"}, extra...)
	go func() { done <- run(ctx, args, env2(env, in.stderr)) }()
	var once sync.Once
	in.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d:\n%s", code, in.stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
	}
	t.Cleanup(in.stop)
	for range 400 {
		if resp, err := http.Get("http://" + in.http + "/readyz"); err == nil {
			_ = resp.Body.Close()
			return in
		}
		select {
		case code := <-done:
			done <- code // for in.stop
			t.Fatalf("serve exited %d:\n%s", code, in.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not come up:\n%s", in.stderr.String())
	return nil
}

// submit sends one message over SMTP with AUTH PLAIN, as a mail program would.
func (in *instance) submit(from string, to []string, msg string) error {
	c, err := smtp.Dial(in.smtp)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Auth(sasl.NewPlainClient("", from, e2ePassword)); err != nil {
		return err
	}
	if err := c.SendMail(from, to, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

func TestEndToEndOverSMTP(t *testing.T) {
	relay := startRelay(t, "")
	in := startInstance(t, relay)

	// 1. Every recipient has data: all are notified, nobody else.
	msg := "From: Dr. Arts <arts@zkh.test>\r\nTo: patient@example.com\r\nSubject: Uitslag\r\n\r\nBeste patient, de uitslag is goed.\r\n"
	if err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg); err != nil {
		t.Fatalf("submit: %v\n%s", err, in.stderr.String())
	}
	got := relay.wait(t, 1, 30*time.Second)
	if got[0].To[0] != "patient@example.com" || !bytes.Contains(got[0].Data, []byte("http://"+in.http+"/m/")) ||
		bytes.Contains(got[0].Data, []byte("uitslag is goed")) {
		t.Errorf("notification to %v:\n%s", got[0].To, got[0].Data)
	}

	// 2. A recipient without a number: the whole message is held, only the sender hears.
	msg = "From: arts@zkh.test\r\nTo: patient@example.com, nobody@example.org\r\nSubject: Dossier\r\n\r\nVertrouwelijk.\r\n"
	if err := in.submit("arts@zkh.test", []string{"patient@example.com", "nobody@example.org"}, msg); err != nil {
		t.Fatal(err)
	}
	got = relay.wait(t, 1, 30*time.Second)
	if len(got[0].To) != 1 || got[0].To[0] != "arts@zkh.test" || !bytes.Contains(got[0].Data, []byte("nobody@example.org")) ||
		!bytes.Contains(got[0].Data, []byte("/drafts/")) {
		t.Errorf("held: mail to %v:\n%s", got[0].To, got[0].Data)
	}

	// 3. A control block supplies the number: released, and the block is in no stored part.
	block := "<!--zivver_headers\r\nzivver-access-right: nobody@example.org sms +32470123456\r\nzivver_headers-->\r\n"
	msg = "From: arts@zkh.test\r\nTo: nobody@example.org\r\nSubject: Met blok\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + block +
		"Tekst na het blok.\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + strings.ReplaceAll(block, "\r\n", "<br>") +
		"HTML na het blok.</p>\r\n--b--\r\n"
	if err := in.submit("arts@zkh.test", []string{"nobody@example.org"}, msg); err != nil {
		t.Fatal(err)
	}
	got = relay.wait(t, 1, 30*time.Second)
	if got[0].To[0] != "nobody@example.org" || !bytes.Contains(got[0].Data, []byte("+32 4 ")) {
		t.Errorf("released by the control block: mail to %v:\n%s", got[0].To, got[0].Data)
	}
	in.stop()
	assertNoPlaintext(t, in.data, "zivver", "+32470123456", "Tekst na het blok", "HTML na het blok", "uitslag is goed")

	select {
	case m := <-relay.ch:
		t.Errorf("unexpected extra mail to %v", m.To)
	default:
	}
}

// assertNoPlaintext fails when any file of the data folder holds one of
// the markers: content is encrypted at rest, and the control block is
// stripped before anything is stored. (The number may stand in the
// database as recipient data; the SQLite files are skipped for it.)
func assertNoPlaintext(t *testing.T, dir string, markers ...string) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		isDB := strings.Contains(filepath.Base(path), "sluis.db")
		for _, m := range markers {
			if strings.HasPrefix(m, "+") && isDB {
				continue
			}
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s contains %q", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
