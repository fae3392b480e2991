package verify

import (
	"testing"
	"time"
)

func TestAccessCode(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.accessRecipient(t)
		st, err := f.v.CheckAccessCode(ctx, rc, "tulp-4471")
		wantErr(t, "a wrong access code", err, ErrWrongCode)
		if st.AttemptsLeft != 19 {
			t.Fatalf("%d attempts left, want 19", st.AttemptsLeft)
		}
		if _, err := f.v.CheckAccessCode(ctx, rc, "  "+accessCode+" "); err != nil {
			t.Fatalf("the right code: %v", err)
		}
		if st, _ := f.v.Status(ctx, rc); st.BeforeLock != 20 {
			t.Fatalf("%d before the lock after a success, want 20", st.BeforeLock)
		}
		_, err = f.v.CheckAccessCode(ctx, rc, "")
		wantErr(t, "an empty code", err, ErrMalformedCode)
		_, err = f.v.CheckCode(ctx, rc, "123456")
		wantErr(t, "an SMS code for an access-code recipient", err, ErrWrongMethod)
	})
}

func TestAccessCodeFailuresLockLikeSMS(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.accessRecipient(t)
		var err error
		for i := 0; i < 20; i++ {
			_, err = f.v.CheckAccessCode(ctx, rc, "guess")
		}
		wantErr(t, "the twentieth wrong access code", err, ErrLocked)
		_, err = f.v.CheckAccessCode(ctx, rc, accessCode)
		wantErr(t, "the right code when locked", err, ErrLocked)
		if ev := f.Jobs.SenderEvents(); len(ev) != 1 || ev[0] != "locked" {
			t.Fatalf("sender events %v, want one lock mail", ev)
		}
	})
}

// TestLimitsBeforeHashing holds every hashing slot: a locked recipient is
// still answered at once (the limit comes first), and an unlocked one is
// told to retry without a failure counted.
func TestLimitsBeforeHashing(t *testing.T) {
	f := newFixture(t, nil, func(o *Options) { o.MaxHashing = 1; o.HashWait = 10 * time.Millisecond })
	rc := f.accessRecipient(t)
	if err := f.v.hashing.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, err := f.v.CheckAccessCode(ctx, rc, accessCode)
	wantErr(t, "a check with no hashing slot", err, ErrBusy)
	if st, _ := f.v.Status(ctx, rc); st.BeforeLock != 20 {
		t.Fatalf("%d before the lock: a refused check was counted", st.BeforeLock)
	}
	f.v.hashing.Release(1)
	for i := 0; i < 20; i++ {
		_, _ = f.v.CheckAccessCode(ctx, rc, "guess")
	}
	if err := f.v.hashing.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	defer f.v.hashing.Release(1)
	_, err = f.v.CheckAccessCode(ctx, rc, accessCode)
	wantErr(t, "a locked recipient while hashing is full", err, ErrLocked)
}

func TestForgotAccessCode(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.accessRecipient(t)
		if _, err := f.v.ForgotAccessCode(ctx, rc); err != nil {
			t.Fatal(err)
		}
		f.advance(59 * time.Minute)
		st, err := f.v.ForgotAccessCode(ctx, rc)
		wantErr(t, "asking again within the hour", err, ErrAlreadyAsked)
		if want := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC); !st.Until.Equal(want) {
			t.Fatalf("until %v, want %v", st.Until, want)
		}
		f.advance(time.Minute)
		if _, err := f.v.ForgotAccessCode(ctx, rc); err != nil {
			t.Fatal(err)
		}
		if ev := f.Jobs.SenderEvents(); len(ev) != 2 || ev[0] != "forgot" {
			t.Fatalf("sender events %v, want two forgot mails", ev)
		}
	})
}
