package verify

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"sluis/db"
	"sluis/portal/policy"
	"sluis/portal/secret"
)

// withPolicy wires the units' policies, so that devices may be remembered.
func withPolicy(f **policy.Service) func(*Options) {
	return func(o *Options) {
		*f = policy.New(o.Store)
		o.Policy = *f
	}
}

// remember proves rc with a code and remembers the device.
func (f *fixture) remember(t *testing.T, rc db.Recipient) string {
	t.Helper()
	if _, err := f.v.CheckCode(ctx, rc, f.send(t, rc)); err != nil {
		t.Fatalf("CheckCode: %v", err)
	}
	msg := f.message(t, rc)
	token, until, err := f.v.RememberDevice(ctx, rc, msg, db.AuditEvent{Actor: "recipient:test"})
	if err != nil {
		t.Fatalf("RememberDevice: %v", err)
	}
	if want := f.Clock.Now().Add(30 * 24 * time.Hour); !until.Equal(want) {
		t.Errorf("remembered until %v, want the default 30 days (%v)", until, want)
	}
	return token
}

func (f *fixture) message(t *testing.T, rc db.Recipient) db.Message {
	t.Helper()
	m, err := f.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// next is a further message to the address.
func (f *fixture) next(t *testing.T, addr string) db.Recipient {
	t.Helper()
	_, rs := f.Submit(t, plainMail, addr)
	return rs[0]
}

func (f *fixture) auditKinds(t *testing.T) []string {
	t.Helper()
	evs, err := f.Store.AuditEvents(ctx, f.Org.ID, db.AuditQuery{Kind: "device."})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	slices.Reverse(out)
	return out
}

func TestDeviceOpensFurtherMessagesOfTheAddress(t *testing.T) {
	var pol *policy.Service
	each(t, withPolicy(&pol), func(t *testing.T, f *fixture) {
		first := f.smsRecipient(t, smsAddr, smsPhone)
		token := f.remember(t, first)
		second := f.next(t, smsAddr)
		sent := f.Texts.Count()
		if _, err := f.v.Device(ctx, second, f.message(t, second), token); err != nil {
			t.Fatalf("Device on the next message: %v", err)
		}
		sess, err := f.v.UseDevice(ctx, second, f.message(t, second), token, db.AuditEvent{Actor: "recipient:test"})
		if err != nil {
			t.Fatalf("UseDevice: %v", err)
		}
		s, err := f.v.Session(ctx, sess)
		if err != nil || !s.Opens(second) || s.Opens(first) {
			t.Fatalf("the device's session opens %+v (err %v), want exactly the second message", s, err)
		}
		if f.Texts.Count() != sent {
			t.Error("opening with the device sent a text")
		}
		if got, want := f.auditKinds(t), []string{"device.remember", "device.use"}; !slices.Equal(got, want) {
			t.Errorf("audit = %v, want %v", got, want)
		}
		// Another address, a forged token, another organisation: nothing.
		other := f.smsRecipient(t, "buur@example.com", "+31612345670")
		wantErr(t, "another address", deviceErr(f, other, token), ErrNoDevice)
		forged, _, _ := secret.NewToken()
		wantErr(t, "a forged token", deviceErr(f, second, forged), ErrNoDevice)
		wantErr(t, "a malformed token", deviceErr(f, second, token[:20]), ErrNoDevice)
		elsewhere := second
		elsewhere.OrgID++
		msg := f.message(t, second)
		msg.OrgID++
		_, err = f.v.Device(ctx, elsewhere, msg, token)
		wantErr(t, "another organisation", err, ErrNoDevice)
	})
}

func deviceErr(f *fixture, rc db.Recipient, token string) error {
	m, err := f.Store.Message(ctx, rc.OrgID, rc.MessageID)
	if err != nil {
		return err
	}
	_, err = f.v.Device(ctx, rc, m, token)
	return err
}

// TestDeviceEnds runs every way a device ends on one database per
// dialect, each case with an address of its own; the cases that change
// the clock or the unit's policy come last.
func TestDeviceEnds(t *testing.T) {
	cases := []struct {
		name  string
		end   func(t *testing.T, f *fixture, rc db.Recipient, token string)
		audit string // the last device event, "" when none is written
	}{
		{"the number changes in the book", func(t *testing.T, f *fixture, rc db.Recipient, _ string) {
			f.AddPhone(t, rc.Address, "+31687654321")
		}, "device.revoke"},
		{"the entry is removed from the book", func(t *testing.T, f *fixture, rc db.Recipient, _ string) {
			c, err := f.Store.Contact(ctx, db.OrgBook(f.Org.ID), rc.Address)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Store.DeleteContact(ctx, db.OrgBook(f.Org.ID), c.ID, db.Change{Source: db.SourceManual, Actor: "test"}); err != nil {
				t.Fatal(err)
			}
		}, "device.revoke"},
		{"the recipient forgets it", func(t *testing.T, f *fixture, rc db.Recipient, token string) {
			if err := f.v.ForgetDevice(ctx, rc, token, db.AuditEvent{Actor: "recipient:test"}); err != nil {
				t.Fatal(err)
			}
		}, "device.forget"},
		{"an admin revokes it", func(t *testing.T, f *fixture, rc db.Recipient, token string) {
			d, err := f.Store.DeviceByToken(ctx, f.Org.ID, secret.HashToken(token))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.v.RevokeDevice(ctx, f.Org.ID+1, d.ID, db.AuditEvent{Actor: "user:evil"}); err == nil {
				t.Fatal("another organisation's admin revoked the device")
			}
			if err := f.v.RevokeDevice(ctx, f.Org.ID, d.ID, db.AuditEvent{Actor: "user:1"}); err != nil {
				t.Fatal(err)
			}
		}, "device.revoke"},
		{"the recipient is locked", func(t *testing.T, f *fixture, rc db.Recipient, _ string) {
			locked := f.next(t, rc.Address)
			for range 5 { // 4 wrong entries of each of 5 codes
				code := f.send(t, locked)
				for range 4 {
					_, _ = f.v.CheckCode(ctx, locked, wrong(code))
				}
				f.advance(time.Minute)
			}
			if ch, _ := f.Store.Challenge(ctx, locked.OrgID, locked.ID); !ch.Locked() {
				t.Fatalf("not locked after %d failures", f.v.Limits().LockAfter)
			}
		}, "device.revoke"},
		{"its time is up", func(t *testing.T, f *fixture, _ db.Recipient, _ string) {
			f.advance(30 * 24 * time.Hour)
		}, ""},
		{"the unit stops allowing it", func(t *testing.T, f *fixture, _ db.Recipient, _ string) {
			if err := policy.New(f.Store).Set(ctx, f.Org.ID, f.Org.RootUnit, policy.RememberDevice, "0", "test"); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	var pol *policy.Service
	each(t, withPolicy(&pol), func(t *testing.T, f *fixture) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				addr := fmt.Sprintf("patient%d@example.com", i)
				first := f.smsRecipient(t, addr, fmt.Sprintf("+3161234560%d", i))
				token := f.remember(t, first)
				tc.end(t, f, first, token)
				wantErr(t, "the first message", deviceErr(f, first, token), ErrNoDevice)
				wantErr(t, "a further message", deviceErr(f, f.next(t, addr), token), ErrNoDevice)
				_, err := f.v.UseDevice(ctx, first, f.message(t, first), token, db.AuditEvent{})
				wantErr(t, "using it", err, ErrNoDevice)
				kinds := f.auditKinds(t)
				if last := kinds[len(kinds)-1]; tc.audit != "" && last != tc.audit {
					t.Errorf("audit = %v, want it to end with %s", kinds, tc.audit)
				}
			})
		}
	})
}

// A message that carries other verification data for the address (a
// control block with another number) is not opened, and the device ends.
func TestDeviceEndsOnOtherDataOnAMessage(t *testing.T) {
	var pol *policy.Service
	each(t, withPolicy(&pol), func(t *testing.T, f *fixture) {
		first := f.smsRecipient(t, smsAddr, smsPhone)
		token := f.remember(t, first)
		raw := "From: arts@zkh.example\nTo: patient@example.com\nSubject: Uitslag\n\n<!--zivver_headers\n" +
			"zivver-access-right: patient@example.com sms +31687654321\nzivver_headers-->\nBeste,\n"
		_, rs := f.Submit(t, raw, smsAddr)
		if rs[0].Phone != "+31687654321" {
			t.Fatalf("the control block's number was not used: %q", rs[0].Phone)
		}
		wantErr(t, "the message with another number", deviceErr(f, rs[0], token), ErrNoDevice)
		_, err := f.v.UseDevice(ctx, rs[0], f.message(t, rs[0]), token, db.AuditEvent{})
		wantErr(t, "using it there", err, ErrNoDevice)
		wantErr(t, "the first message afterwards", deviceErr(f, first, token), ErrNoDevice)
		if got := f.auditKinds(t); got[len(got)-1] != "device.revoke" {
			t.Errorf("audit = %v, want a revocation last", got)
		}
	})
}

func TestRememberingFollowsThePolicy(t *testing.T) {
	var pol *policy.Service
	each(t, withPolicy(&pol), func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		msg := f.message(t, rc)
		for _, bad := range []string{"-1", "91", "x", "1.5"} {
			if err := pol.Set(ctx, f.Org.ID, f.Org.RootUnit, policy.RememberDevice, bad, "test"); err == nil {
				t.Errorf("the policy took %q days", bad)
			}
		}
		if err := pol.Set(ctx, f.Org.ID, f.Org.RootUnit, policy.RememberDevice, "90", "test"); err != nil {
			t.Fatal(err)
		}
		if days, _ := f.v.RememberDays(ctx, msg); days != 90 {
			t.Errorf("RememberDays = %d, want 90", days)
		}
		if err := pol.Set(ctx, f.Org.ID, f.Org.RootUnit, policy.RememberDevice, "0", "test"); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.v.RememberDevice(ctx, rc, msg, db.AuditEvent{})
		wantErr(t, "remembering at 0 days", err, ErrRememberOff)
	})
	// Without a policy nothing is remembered.
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		_, _, err := f.v.RememberDevice(ctx, rc, f.message(t, rc), db.AuditEvent{})
		wantErr(t, "remembering without a policy", err, ErrRememberOff)
	})
}
