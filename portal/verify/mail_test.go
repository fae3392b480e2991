package verify

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/mailer"
	"sluis/portal/policy"
)

const mailAddr = "schrijver@example.org"

// withRelay wires a real loopback relay as the Service's mail sender.
func withRelay(r *testworld.Relay) func(*Options) {
	return func(o *Options) { o.Mail, o.MailFrom = r.Sender("sluis@zkh.example"), "sluis@zkh.example" }
}

// mailRecipient submits a message to addr and turns its recipient into
// one of method mail, as an answer on the secure channel makes it.
func (f *fixture) mailRecipient(t *testing.T, addr string) db.Recipient {
	t.Helper()
	f.AddPhone(t, addr, smsPhone)
	_, rs := f.Submit(t, plainMail, addr)
	if _, err := f.Store.DB().ExecContext(ctx, `UPDATE recipients SET method = 'mail', phone = '', display = ''
		WHERE id = `+strconv.FormatInt(rs[0].ID, 10)); err != nil {
		t.Fatal(err)
	}
	rc, err := f.Store.Recipient(ctx, f.Org.ID, rs[0].ID)
	if err != nil || rc.Method != db.MethodMail {
		t.Fatalf("mail recipient: %v (%q)", err, rc.Method)
	}
	return rc
}

func TestMailCodeComesThroughTheRelayAndOpensOnce(t *testing.T) {
	relay := testworld.StartRelay(t)
	each(t, withRelay(relay), func(t *testing.T, f *fixture) {
		rc := f.mailRecipient(t, mailAddr)
		st, err := f.v.SendCode(ctx, rc, "en")
		if err != nil || !st.CodeLive || st.Method != db.MethodMail {
			t.Fatalf("SendCode: %v, %+v", err, st)
		}
		code := relay.LastCode(mailAddr, "code")
		if !WellFormedCode(code) {
			t.Fatalf("no code in the mail to %s", mailAddr)
		}
		mail := relay.Mails(mailAddr, "code")[0]
		if !strings.Contains(mail.Data, "Subject: Your code for Ziekenhuis Oost") || f.Texts.Count() != 0 {
			t.Fatalf("the code mail is not as expected (texts %d):\n%s", f.Texts.Count(), mail.Data)
		}
		if _, err := f.v.CheckCode(ctx, rc, wrong(code)); err != ErrWrongCode {
			t.Fatalf("a wrong code: %v", err)
		}
		if _, err := f.v.CheckCode(ctx, rc, code); err != nil {
			t.Fatalf("the right code: %v", err)
		}
		_, err = f.v.CheckCode(ctx, rc, code)
		wantErr(t, "the same code again", err, ErrNoCode)
		if n, err := f.Store.SMSSentOn(ctx, f.Org.ID, f.Clock.Now().UTC().Format(time.DateOnly)); err != nil || n != 0 {
			t.Fatalf("the daily text count is %d (%v), want 0: a mailed code is not a text", n, err)
		}
	})
}

func TestMailCodeKeepsTheLimitsOfATextButNotTheDailyCap(t *testing.T) {
	relay := testworld.StartRelay(t)
	capOne := func(o *Options) { withRelay(relay)(o); o.DailyCap = 1 }
	each(t, capOne, func(t *testing.T, f *fixture) {
		rc := f.mailRecipient(t, mailAddr)
		before := len(relay.Mails(mailAddr, "code")) // the relay serves both dialects
		for i := range 5 {
			if _, err := f.v.SendCode(ctx, rc, "nl"); err != nil {
				t.Fatalf("code %d: %v (the daily text cap of 1 must not count mailed codes)", i+1, err)
			}
			st, err := f.v.SendCode(ctx, rc, "nl")
			wantErr(t, "a code within the minute", err, ErrTooSoon)
			if st.NextSendIn <= 0 {
				t.Fatalf("no wait shown: %+v", st)
			}
			f.advance(time.Minute)
		}
		_, err := f.v.SendCode(ctx, rc, "nl")
		wantErr(t, "a sixth code within the hour", err, ErrHourlyLimit)
		if got := len(relay.Mails(mailAddr, "code")) - before; got != 5 {
			t.Fatalf("%d code mails reached the relay, want 5", got)
		}
	})
}

func TestMailCodeRelayDownCostsNothing(t *testing.T) {
	relay := testworld.StartRelay(t)
	down := func(o *Options) {
		o.Mail = mailer.NewRelay(mailer.RelayConfig{Host: "127.0.0.1", Port: closedPort(t), Timeout: 2 * time.Second}, "sluis@zkh.example")
	}
	each(t, down, func(t *testing.T, f *fixture) {
		rc := f.mailRecipient(t, mailAddr)
		st, err := f.v.SendCode(ctx, rc, "fr")
		wantErr(t, "the relay is down", err, ErrSendFailed)
		if st.CodeLive || !st.CodeSentAt.IsZero() || st.NextSendIn != 0 {
			t.Fatalf("a failed mail left a code or a wait: %+v", st)
		}
		// The relay is back: the next request goes out at once.
		up, err := New(Options{Store: f.Store, SMS: f.Texts, CodeKey: f.CodeKey(), Notifier: f.Delivery, Text: f.Text,
			Now: f.Clock.Now, Mail: relay.Sender("sluis@zkh.example"), MailFrom: "sluis@zkh.example"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := up.SendCode(ctx, rc, "fr"); err != nil {
			t.Fatalf("after the relay came back: %v", err)
		}
		if !WellFormedCode(relay.LastCode(mailAddr, "code")) {
			t.Fatal("no code mailed after the relay came back")
		}
	})
}

func TestMailCodeWithoutMailSenderFails(t *testing.T) {
	f := newFixture(t, nil, nil)
	rc := f.mailRecipient(t, mailAddr)
	_, err := f.v.SendCode(ctx, rc, "en")
	wantErr(t, "no mail sender", err, ErrSendFailed)
}

func TestDeviceProofOfAMailRecipientBindsTheAddress(t *testing.T) {
	f := newFixture(t, nil, nil)
	a := db.Recipient{Method: db.MethodMail, Address: "a@example.org"}
	b := db.Recipient{Method: db.MethodMail, Address: "b@example.org"}
	if f.v.proof(a) == f.v.proof(b) {
		t.Fatal("two mailboxes give the same device proof")
	}
	if f.v.proof(a) != f.v.proof(db.Recipient{Method: db.MethodMail, Address: "A@Example.org"}) {
		t.Fatal("the proof depends on the address's case")
	}
	sms := db.Recipient{Method: db.MethodSMS, Phone: smsPhone}
	if f.v.proof(sms) != f.v.proof(db.Recipient{Method: db.MethodSMS, Phone: smsPhone, Address: "other@example.org"}) {
		t.Fatal("an SMS device's proof changed with the address: existing devices would end")
	}
}

func TestMaskAddress(t *testing.T) {
	for in, want := range map[string]string{
		"jan@example.com": "j●●●@example.com", "é@x.fr": "é●●●@x.fr", "nobody": "●●●", "@x.fr": "●●●",
	} {
		if got := MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// TestDeviceRemembersAMailRecipient: a device remembered after a mailed
// code opens the next answer to the same address (also of method mail)
// without a code, and not a message to that address verified by SMS.
func TestDeviceRemembersAMailRecipient(t *testing.T) {
	relay := testworld.StartRelay(t)
	var pol *policy.Service
	both := func(o *Options) { withRelay(relay)(o); withPolicy(&pol)(o) }
	f := newFixture(t, nil, both)
	first := f.mailRecipient(t, mailAddr)
	if _, err := f.v.SendCode(ctx, first, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.CheckCode(ctx, first, relay.LastCode(mailAddr, "code")); err != nil {
		t.Fatal(err)
	}
	token, _, err := f.v.RememberDevice(ctx, first, f.message(t, first), db.AuditEvent{Actor: "recipient:test"})
	if err != nil || token == "" {
		t.Fatalf("RememberDevice: %q %v", token, err)
	}
	second := f.mailRecipient(t, mailAddr)
	if _, err := f.v.Device(ctx, second, f.message(t, second), token); err != nil {
		t.Fatalf("the next answer to the address: %v", err)
	}
	bySMS := f.next(t, mailAddr) // the book has a number for the address
	if bySMS.Method != db.MethodSMS {
		t.Fatalf("method %q", bySMS.Method)
	}
	if _, err := f.v.Device(ctx, bySMS, f.message(t, bySMS), token); err == nil {
		t.Fatal("a device proved by mail opened a message verified by SMS")
	}
}
