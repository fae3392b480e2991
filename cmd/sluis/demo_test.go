package main

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemoShowsTheWay starts `sluis demo` as a newcomer would, reads what
// it prints and follows each role's steps over HTTP: the SMS recipient
// asks for a code and finds it in the dev outbox, the access-code
// recipient types the printed code, the sender opens the held draft, the
// admin the look page; then the printed curl command sends a mail.
func TestDemoShowsTheWay(t *testing.T) {
	httpAddr, smtpAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	out, logs := &lockedBuffer{}, &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--http", httpAddr, "--smtp", smtpAddr, "--log-level", "warn"},
			env{stdin: strings.NewReader(""), stdout: out, stderr: logs, getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo exited with %d:\n%s", code, logs.String())
			}
		case <-time.After(time.Minute):
			t.Error("demo did not stop")
		}
	})
	printed := waitForDemo(t, out, logs, done)

	opens := regexp.MustCompile(`(?m)^\s+open\s+(http\S+)`).FindAllStringSubmatch(printed, -1)
	signins := regexp.MustCompile(`sign in\s+\S+\s+(\S+)\s+password (\S+)`).FindAllStringSubmatch(printed, -1)
	code := regexp.MustCompile(`(?m)^\s+code\s+(\S+)`).FindStringSubmatch(printed)
	curl := regexp.MustCompile(`(?m)^\s+(curl --mail-from .*)$`).FindStringSubmatch(printed)
	if len(opens) != 4 || len(signins) != 2 || code == nil || curl == nil {
		t.Fatalf("the demo did not print every step:\n%s", printed)
	}
	n := &node{http: strings.Replace(httpAddr, "127.0.0.1", "localhost", 1)}
	path := func(link string) string {
		u, err := url.Parse(link)
		if err != nil || u.Host != n.http {
			t.Fatalf("link %q does not point at the demo (%s)", link, n.http)
		}
		return u.Path
	}

	// 1. By SMS: ask for a code, read it in the dev outbox, type it.
	sms, link := newWebClient(t), path(opens[0][1])
	mustSee(t, sms.get(n, link+"?lang=nl"), http.StatusOK, "Gemeente Voorbeeld", "Vragen? Bel 020 123 45 67")
	sms.post(n, link+"/code", nil)
	texts := regexp.MustCompile(`SMS: [^<]*?(\d{6})`).FindStringSubmatch(sms.get(n, "/dev/outbox").body)
	if texts == nil {
		t.Fatal("no text with a code in the dev outbox")
	}
	p := sms.post(n, link+"/check", url.Values{"code": {texts[1]}})
	mustSee(t, sms.get(n, p.location), http.StatusOK, "Uw afspraak op 3 december", `src="`+link+`/body"`)
	mustSee(t, sms.get(n, link+"/body"), http.StatusOK, "Hierbij het bericht") // the letter, in the page's frame

	// 2. By access code: the printed one opens the message.
	acc, link := newWebClient(t), path(opens[1][1])
	acc.get(n, link)
	p = acc.post(n, link+"/access", url.Values{"access_code": {code[1]}})
	mustSee(t, acc.get(n, p.location), http.StatusOK, "Verwijzing voor mevrouw De Vries")

	// 3. The sender signs in and finds the held draft.
	sender := newWebClient(t)
	sender.get(n, "/signin")
	if p := sender.post(n, "/signin", url.Values{"email": {signins[0][1]}, "password": {signins[0][2]}}); p.status != http.StatusSeeOther {
		t.Fatalf("sender sign-in: %d\n%s", p.status, p.body)
	}
	mustSee(t, sender.get(n, path(opens[2][1])), http.StatusOK, "carol@nieuw.test", "Verslag van het overleg")

	// 4. The admin signs in and sees the organisation's look.
	admin := newWebClient(t)
	admin.get(n, "/signin")
	if p := admin.post(n, "/signin", url.Values{"email": {signins[1][1]}, "password": {signins[1][2]}}); p.status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d\n%s", p.status, p.body)
	}
	mustSee(t, admin.get(n, "/admin/look?lang=en"), http.StatusOK, "Gemeente Voorbeeld", "#1d5e8c")

	// 5. The printed curl command sends a mail through the SMTP intake.
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the printed command was not run")
	}
	before := strings.Count(admin.get(n, "/dev/outbox").body, "Beveiligd bericht van Jan Jansen")
	if out, err := exec.Command("sh", "-c", curl[1]+" --silent --show-error").CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", curl[1], err, out)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if strings.Count(admin.get(n, "/dev/outbox").body, "Beveiligd bericht van Jan Jansen") > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the mail curl sent did not lead to a notification")
		}
	}
}

// waitForDemo waits until the demo has printed its way, and returns it.
func waitForDemo(t *testing.T, out, logs *lockedBuffer, done chan int) string {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s := out.String(); strings.Contains(s, "Health ") {
			return s
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("demo exited with %d:\n%s", code, logs.String())
		default:
		}
	}
	t.Fatalf("the demo printed nothing in time:\n%s", logs.String())
	return ""
}

func mustSee(t *testing.T, p webPage, status int, parts ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("status %d, want %d\n%s", p.status, status, p.body)
		return
	}
	for _, part := range parts {
		if !strings.Contains(p.body, part) {
			t.Errorf("page lacks %q", part)
		}
	}
}
