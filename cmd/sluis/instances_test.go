package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// linkIn finds the recipient link in a notification; replyIn the sender's
// link to a reply.
var (
	linkIn  = regexp.MustCompile(`/m/([A-Za-z0-9_-]{43})`)
	replyIn = regexp.MustCompile(`/replies/([A-Za-z0-9_-]+)`)
	fileIn  = regexp.MustCompile(`/files/(\d+)"`)
)

// TestTwoInstancesEndToEnd runs two `sluis serve` processes on one
// PostgreSQL schema and one bucket, each with its own data folder, and
// walks a message through both, switching instance at every step: in at
// A, the code asked for at B and entered at A, read and downloaded at A
// and B, replied to at B, the reply read by the sender at A. Then the
// limits that decide an answer hold across both: the code's resend
// cooldown, and failed SMTP AUTHs spread over A and B.
func TestTwoInstancesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("two-instance test: builds the binary and runs two servers; skipped with -short")
	}
	c := newCluster(t, 2)
	a, b := c.nodes[0], c.nodes[1]
	mail := newMailbox(t, c.relay)
	a.start(t)
	b.start(t)

	// In at A, over SMTP with AUTH, with an attachment of random bytes.
	file := make([]byte, 300<<10)
	if _, err := rand.Read(file); err != nil {
		t.Fatal(err)
	}
	msg := "From: Dr. Arts <arts@zkh.test>\r\nTo: patient@example.com\r\nSubject: Uitslag\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Beste patient, de uitslag is goed.\r\n--b\r\nContent-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename=uitslag.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap76(base64.StdEncoding.EncodeToString(file)) + "--b--\r\n"
	in := &instance{smtp: a.smtp}
	if err := in.submit("arts@zkh.test", []string{"patient@example.com"}, msg); err != nil {
		t.Fatalf("submitting at A: %v\n%s", err, c.logs(t))
	}
	token := mail.find(t, "patient@example.com", linkIn, time.Minute)

	// The code asked for at B; asked again at A within the cooldown, it is
	// refused and nothing is texted; B's code entered at A opens the message.
	patient := newWebClient(t)
	link := "/m/" + token
	patient.get(b, link)
	if pg := patient.post(b, link+"/code", nil); pg.status != http.StatusSeeOther {
		t.Fatalf("asking for a code at B: %d\n%s", pg.status, pg.body)
	}
	patient.get(a, link)
	if pg := patient.post(a, link+"/code", nil); pg.status != http.StatusTooManyRequests {
		t.Errorf("asking again at A within the cooldown started at B: %d, want 429", pg.status)
	}
	codes := c.texts.sent("+31612345678")
	if len(codes) != 1 || codes[0] == "" {
		t.Fatalf("texts to the patient: %q, want one code", codes)
	}
	if pg := patient.post(a, link+"/check", url.Values{"code": {codes[0]}}); pg.location != link+"/read" {
		t.Fatalf("B's code entered at A: %d to %q\n%s", pg.status, pg.location, pg.body)
	}

	// Read and downloaded at A and at B.
	for _, n := range []*node{a, b} {
		pg := patient.get(n, link+"/read")
		if pg.status != http.StatusOK || !strings.Contains(pg.body, "de uitslag is goed") {
			t.Fatalf("the message at %s: %d\n%s", n.name, pg.status, pg.body)
		}
		pos := fileIn.FindStringSubmatch(pg.body)
		if pos == nil {
			t.Fatalf("the message page at %s links no attachment:\n%s", n.name, pg.body)
		}
		got := patient.get(n, link+"/files/"+pos[1])
		if got.status != http.StatusOK || got.body != string(file) {
			t.Errorf("the attachment at %s: %d, %d bytes (want the %d sent, equal)", n.name, got.status, len(got.body), len(file))
		}
	}

	// Replied to at B; the sender is told, signs in at A and reads it.
	patient.get(b, link+"/reply")
	const answer = "Dank u wel, dokter. Antwoord nummer 4711."
	if pg := patient.post(b, link+"/reply", url.Values{"text": {answer}}); pg.status != http.StatusSeeOther {
		t.Fatalf("replying at B: %d\n%s", pg.status, pg.body)
	}
	uid := mail.find(t, "arts@zkh.test", replyIn, time.Minute)
	sender := newWebClient(t)
	sender.get(a, "/signin")
	if pg := sender.post(a, "/signin", url.Values{"email": {"arts@zkh.test"}, "password": {e2ePassword}}); pg.status != http.StatusSeeOther || pg.location != "/messages" {
		t.Fatalf("the sender signing in at A: %d to %q", pg.status, pg.location)
	}
	if pg := sender.get(a, "/replies/"+uid); pg.status != http.StatusOK || !strings.Contains(pg.body, answer) {
		t.Errorf("the reply at A: %d\n%s", pg.status, pg.body)
	}

	// Failed SMTP AUTHs, alternately at A and B, are counted together.
	authLockAcross(t, a, b)
	for _, n := range c.nodes {
		(&crashServer{logs: n.logs}).stop(t, n.proc)
	}
	if t.Failed() {
		t.Logf("server logs:\n%s", c.logs(t))
	}
}

// authLockAcross tries wrong passwords for one address alternately at the
// two nodes, on fresh connections, until 8 have been counted (refused with
// 535; the address is then locked for 8 s), waiting out each shorter lock.
// The address locks after 5 failures within 15 minutes (portal/auth), so
// with counters per process neither node would lock before it alone had
// refused 5: each must answer "locked" while it has refused fewer. Once
// locked, the right password is refused at both (the client's network
// has failed, so no way round the lock).
func authLockAcross(t *testing.T, nodes ...*node) {
	t.Helper()
	const user, wrong, counted = "balie@zkh.test", "not the password at all", 8
	refused := map[string]int{}  // 535s per node
	lockedAt := map[string]int{} // the node's own 535s at its first 454, +1
	var answers []string
	total := 0
	deadline := time.Now().Add(2 * time.Minute)
	for i := 0; total < counted; i++ {
		if time.Now().After(deadline) || i > 200 {
			t.Fatalf("only %d failed AUTHs counted in %d attempts: %s", total, i, strings.Join(answers, " "))
		}
		n := nodes[i%len(nodes)]
		switch tryAuth(t, n, user, wrong) {
		case authOK:
			t.Fatalf("a wrong password accepted at %s", n.name)
		case authRefused:
			refused[n.name]++
			total++
			answers = append(answers, n.name+":535")
			if total < 5 && len(answers) != total {
				t.Errorf("locked before 5 failures: %s", strings.Join(answers, " "))
			}
		case authLocked:
			if lockedAt[n.name] == 0 {
				lockedAt[n.name] = refused[n.name] + 1
			}
			answers = append(answers, n.name+":454")
			time.Sleep(300 * time.Millisecond) // let the lock run out, then count one more
		}
	}
	t.Logf("AUTH answers: %s", strings.Join(answers, " "))
	for _, n := range nodes {
		if lockedAt[n.name] == 0 || lockedAt[n.name]-1 >= 5 {
			t.Errorf("%s answered 535 %d times before it first said locked (%d): the count is not shared",
				n.name, lockedAt[n.name]-1, lockedAt[n.name])
		}
		if got := tryAuth(t, n, user, e2ePassword); got != authLocked {
			t.Errorf("the right password at %s while the address is locked: answer %d, want locked", n.name, got)
		}
	}
}

// wrap76 breaks base64 into lines of 76, as mail programs send it.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		fmt.Fprintf(&b, "%s\r\n", s[:76])
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}
