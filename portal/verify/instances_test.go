package verify

import (
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// instances are two verify Services on one PostgreSQL database, each with
// its own Store handle, as two `sluis serve` processes behind a load
// balancer would be: A is the fixture's Service, B the other. They share
// the organisation's key, the SMS gateway and the clock, as real instances
// share the master key, the provider and the time.
type instances struct {
	*fixture
	b *Service
}

func newInstances(t *testing.T, edit func(*Options)) *instances {
	t.Helper()
	dsn := dbtest.PostgresDSN(t)
	a := openInstanceStore(t, dsn)
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, a, edit)
	opt := f.v.opt
	opt.Store = openInstanceStore(t, dsn)
	b, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return &instances{fixture: f, b: b}
}

func openInstanceStore(t *testing.T, dsn string) *db.Store {
	t.Helper()
	s, err := db.Open(ctx, dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestLimitsHoldAcrossInstances proves every recipient limit and the
// recipient session against two instances: what one counts, the other
// sees, so spreading requests over instances gains nothing.
func TestLimitsHoldAcrossInstances(t *testing.T) {
	in := newInstances(t, nil)
	a, b := in.v, in.b
	t.Run("a code sent at A is accepted at B, once", func(t *testing.T) {
		rc := in.smsRecipient(t, "een@example.com", "+31612345601")
		code := in.send(t, rc)
		if _, err := b.CheckCode(ctx, rc, code); err != nil {
			t.Fatalf("B checks A's code: %v", err)
		}
		_, err := a.CheckCode(ctx, rc, code)
		wantErr(t, "A checks the used code", err, ErrNoCode)
	})
	t.Run("a resend cooldown started at A refuses at B", func(t *testing.T) {
		rc := in.smsRecipient(t, "twee@example.com", "+31612345602")
		in.send(t, rc)
		st, err := b.SendCode(ctx, rc, "nl")
		wantErr(t, "a second code at B", err, ErrTooSoon)
		if st.NextSendIn <= 0 {
			t.Errorf("B shows no wait: %+v", st)
		}
	})
	t.Run("the hourly limit counts texts from both", func(t *testing.T) {
		rc := in.smsRecipient(t, "drie@example.com", "+31612345603")
		for i := range DefaultLimits.PerHour {
			v := [2]*Service{a, b}[i%2]
			if _, err := v.SendCode(ctx, rc, "nl"); err != nil {
				t.Fatalf("text %d: %v", i+1, err)
			}
			in.advance(time.Minute)
		}
		_, errA := a.SendCode(ctx, rc, "nl")
		_, errB := b.SendCode(ctx, rc, "nl")
		wantErr(t, "a sixth text at A", errA, ErrHourlyLimit)
		wantErr(t, "a sixth text at B", errB, ErrHourlyLimit)
	})
	t.Run("five wrong entries at either end the code", func(t *testing.T) {
		rc := in.smsRecipient(t, "vier@example.com", "+31612345604")
		in.advance(time.Minute)
		code := in.send(t, rc)
		for i := range DefaultLimits.CodeAttempts {
			v := [2]*Service{a, b}[i%2]
			if _, err := v.CheckCode(ctx, rc, wrong(code)); err == nil {
				t.Fatal("a wrong code was accepted")
			}
		}
		_, err := b.CheckCode(ctx, rc, code)
		wantErr(t, "the right code after five wrong ones", err, ErrNoCode)
	})
	t.Run("twenty failures at either lock the recipient at both", func(t *testing.T) {
		rc := in.accessRecipient(t)
		var err error
		for i := range DefaultLimits.LockAfter {
			v := [2]*Service{a, b}[i%2]
			_, err = v.CheckAccessCode(ctx, rc, "Roos-1999")
		}
		wantErr(t, "the twentieth wrong access code", err, ErrLocked)
		_, err = a.CheckAccessCode(ctx, rc, accessCode)
		wantErr(t, "the right code at A", err, ErrLocked)
		_, err = b.CheckAccessCode(ctx, rc, accessCode)
		wantErr(t, "the right code at B", err, ErrLocked)
	})
	t.Run("the sender is told a code was forgotten once, whichever is asked", func(t *testing.T) {
		in.AddAccessCode(t, "notaris@kantoor.example", "Iep-2210", "the tree and the date")
		_, rs := in.Submit(t, plainMail, "notaris@kantoor.example")
		if _, err := a.ForgotAccessCode(ctx, rs[0]); err != nil {
			t.Fatalf("A: %v", err)
		}
		_, err := b.ForgotAccessCode(ctx, rs[0])
		wantErr(t, "B, at once after A", err, ErrAlreadyAsked)
	})
	t.Run("a session started at A works at B and ends at both", func(t *testing.T) {
		rc := in.smsRecipient(t, "vijf@example.com", "+31612345605")
		token, err := a.StartSession(ctx, rc)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := b.Session(ctx, token)
		if err != nil || !sess.Opens(rc) {
			t.Fatalf("B reads A's session: %+v, %v", sess, err)
		}
		if err := b.EndSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, err = a.Session(ctx, token)
		wantErr(t, "A after B ended the session", err, ErrNoSession)
	})
}

// TestDailyCapAcrossInstances: the organisation's daily text cap counts
// the texts of every instance.
func TestDailyCapAcrossInstances(t *testing.T) {
	in := newInstances(t, func(o *Options) { o.DailyCap = 3 })
	var rcs []db.Recipient
	for i, addr := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		rcs = append(rcs, in.smsRecipient(t, addr, "+3161234560"+string(rune('1'+i))))
	}
	for i, rc := range rcs[:3] {
		v := [2]*Service{in.v, in.b}[i%2]
		if _, err := v.SendCode(ctx, rc, "nl"); err != nil {
			t.Fatalf("text %d: %v", i+1, err)
		}
	}
	_, errA := in.v.SendCode(ctx, rcs[3], "nl")
	_, errB := in.b.SendCode(ctx, rcs[3], "nl")
	wantErr(t, "a fourth text at A", errA, ErrDailyCap)
	wantErr(t, "a fourth text at B", errB, ErrDailyCap)
	if n := in.Texts.Count(); n != 3 {
		t.Errorf("the gateway took %d texts, want the cap of 3", n)
	}
}
