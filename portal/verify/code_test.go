package verify

import (
	"strings"
	"sync"
	"testing"
	"time"

	"sluis/db"
)

func TestCodeOpensOnceAndOnlyTheLatest(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		first := f.send(t, rc)
		f.advance(time.Minute)
		second := f.send(t, rc)
		if first != second {
			_, err := f.v.CheckCode(ctx, rc, first)
			wantErr(t, "an older code", err, ErrWrongCode)
		}
		if _, err := f.v.CheckCode(ctx, rc, second); err != nil {
			t.Fatalf("the latest code: %v", err)
		}
		_, err := f.v.CheckCode(ctx, rc, second)
		wantErr(t, "the same code again", err, ErrNoCode)
	})
}

func TestCodeExpiresAfterTenMinutes(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		code := f.send(t, rc)
		f.advance(10 * time.Minute)
		_, err := f.v.CheckCode(ctx, rc, code)
		wantErr(t, "after 10 minutes", err, ErrNoCode)
		f.advance(time.Second)
		code = f.send(t, rc)
		f.advance(10*time.Minute - time.Second)
		if _, err := f.v.CheckCode(ctx, rc, code); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
	})
}

func TestFiveWrongEntriesEndACode(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		code := f.send(t, rc)
		for left := 4; left >= 0; left-- {
			st, err := f.v.CheckCode(ctx, rc, wrong(code))
			wantErr(t, "a wrong code", err, ErrWrongCode)
			if st.AttemptsLeft != left || st.CodeLive != (left > 0) {
				t.Fatalf("attempts left %d (live %v), want %d", st.AttemptsLeft, st.CodeLive, left)
			}
		}
		_, err := f.v.CheckCode(ctx, rc, code)
		wantErr(t, "the right code after five wrong", err, ErrNoCode)
	})
}

func TestMalformedCodeCountsNothing(t *testing.T) {
	f := newFixture(t, nil, nil)
	rc := f.smsRecipient(t, smsAddr, smsPhone)
	code := f.send(t, rc)
	for _, bad := range []string{"", "12345", "1234567", "12a456", "１２３４５６"} {
		_, err := f.v.CheckCode(ctx, rc, bad)
		wantErr(t, "malformed "+bad, err, ErrMalformedCode)
	}
	st, err := f.v.Status(ctx, rc)
	if err != nil || st.AttemptsLeft != 5 {
		t.Fatalf("attempts left %d (%v), want 5", st.AttemptsLeft, err)
	}
	if _, err := f.v.CheckCode(ctx, rc, code); err != nil {
		t.Fatal(err)
	}
}

func TestResendCooldownAndHourlyCap(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		f.send(t, rc)
		f.advance(20 * time.Second)
		st, err := f.v.SendCode(ctx, rc, "en")
		wantErr(t, "a second code at once", err, ErrTooSoon)
		if st.NextSendIn != 40*time.Second {
			t.Fatalf("next send in %v, want 40s", st.NextSendIn)
		}
		f.advance(40 * time.Second)
		for i := 2; i <= 5; i++ {
			f.send(t, rc)
			f.advance(time.Minute)
		}
		st, err = f.v.SendCode(ctx, rc, "en")
		wantErr(t, "a sixth code in the hour", err, ErrHourlyLimit)
		// The first text went at 09:00; five went in 4 minutes; now is 09:05.
		if st.NextSendIn != 55*time.Minute {
			t.Fatalf("next send in %v, want 55m", st.NextSendIn)
		}
		if f.Texts.Count() != 5 {
			t.Fatalf("%d texts, want 5", f.Texts.Count())
		}
		f.advance(55 * time.Minute)
		f.send(t, rc)
	})
}

func TestNewCodesNeverResetFailuresAndTwentyLock(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		var err error
		var st Status
		for round := 0; round < 5; round++ {
			code := f.send(t, rc)
			for i := 0; i < 4; i++ {
				st, err = f.v.CheckCode(ctx, rc, wrong(code))
			}
			f.advance(time.Minute)
			if round < 4 {
				wantErr(t, "a wrong code", err, ErrWrongCode)
				if want := 20 - 4*(round+1); st.BeforeLock != want {
					t.Fatalf("round %d: %d before the lock, want %d", round, st.BeforeLock, want)
				}
			}
		}
		wantErr(t, "the twentieth wrong code", err, ErrLocked)
		if !st.Locked {
			t.Fatal("status not locked")
		}
		_, err = f.v.SendCode(ctx, rc, "en")
		wantErr(t, "a code for a locked recipient", err, ErrLocked)
		_, err = f.v.CheckCode(ctx, rc, "123456")
		wantErr(t, "a guess by a locked recipient", err, ErrLocked)
		if ev := f.Jobs.SenderEvents(); len(ev) != 1 || ev[0] != "locked" {
			t.Fatalf("sender events %v, want one lock mail", ev)
		}
		if err := f.v.Unlock(ctx, rc.OrgID, rc.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "unlocking twice", f.v.Unlock(ctx, rc.OrgID, rc.ID), ErrNotLocked)
		f.advance(time.Hour) // the hourly limit still counts the five codes
		code := f.send(t, rc)
		if _, err := f.v.CheckCode(ctx, rc, code); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

func TestSuccessResetsConsecutiveFailures(t *testing.T) {
	f := newFixture(t, nil, nil)
	rc := f.smsRecipient(t, smsAddr, smsPhone)
	code := f.send(t, rc)
	for i := 0; i < 4; i++ {
		_, _ = f.v.CheckCode(ctx, rc, wrong(code))
	}
	if _, err := f.v.CheckCode(ctx, rc, code); err != nil {
		t.Fatal(err)
	}
	st, _ := f.v.Status(ctx, rc)
	if st.BeforeLock != 20 {
		t.Fatalf("%d before the lock after a success, want 20", st.BeforeLock)
	}
}

func TestGatewayFailureCostsNothing(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		first := f.send(t, rc)
		f.advance(time.Minute)
		f.Texts.SetFail(true)
		_, err := f.v.SendCode(ctx, rc, "en")
		wantErr(t, "a failing gateway", err, ErrSendFailed)
		f.Texts.SetFail(false)
		if n, _ := f.Store.SMSSentOn(ctx, rc.OrgID, f.Clock.Now().UTC().Format(time.DateOnly)); n != 1 {
			t.Fatalf("daily count %d, want 1", n)
		}
		if _, err := f.v.CheckCode(ctx, rc, first); err != nil {
			t.Fatalf("the earlier code after a failed send: %v", err)
		}
		f.send(t, rc) // no cooldown: the failed text did not count
	})
}

func TestOrganisationDailyCap(t *testing.T) {
	each(t, func(o *Options) { o.DailyCap = 2 }, func(t *testing.T, f *fixture) {
		a := f.smsRecipient(t, "a@example.com", "+31612345601")
		b := f.smsRecipient(t, "b@example.com", "+31612345602")
		c := f.smsRecipient(t, "c@example.com", "+31612345603")
		f.send(t, a)
		f.send(t, b)
		_, err := f.v.SendCode(ctx, c, "en")
		wantErr(t, "a third text today", err, ErrDailyCap)
		f.advance(15 * time.Hour) // 00:00 UTC the next day
		f.send(t, c)
	})
}

func TestCountryAllowlist(t *testing.T) {
	f := newFixture(t, nil, nil)
	be := f.smsRecipient(t, "be@example.com", "+32470123456")
	es := f.smsRecipient(t, "es@example.com", "+34612345678")
	f.send(t, be)
	_, err := f.v.SendCode(ctx, es, "en")
	wantErr(t, "a Spanish number by default", err, ErrCountry)
	if f.Texts.LastCode(es.Phone) != "" {
		t.Fatal("a text went to a country not allowed")
	}
	spain := newFixture(t, nil, func(o *Options) { o.Countries = []string{"ES"} })
	es = spain.smsRecipient(t, "es@example.com", "+34612345678")
	spain.send(t, es)
	if _, err := ParseCountries("NL, be ,x"); err == nil {
		t.Fatal("ParseCountries took a bad code")
	}
}

func TestConcurrentGuessesCannotPassTheLimit(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		rc := f.smsRecipient(t, smsAddr, smsPhone)
		code := f.send(t, rc)
		var mu sync.Mutex
		counts := map[error]int{}
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.v.CheckCode(ctx, rc, wrong(code))
				mu.Lock()
				counts[err]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if counts[ErrWrongCode] != 5 || counts[ErrNoCode] != 11 {
			t.Fatalf("outcomes %v; want exactly 5 checked and 11 refused", counts)
		}
	})
}

func TestCodesStoredOnlyAsKeyedHash(t *testing.T) {
	f := newFixture(t, nil, nil)
	rc := f.smsRecipient(t, smsAddr, smsPhone)
	code := f.send(t, rc)
	ch, err := f.Store.Challenge(ctx, rc.OrgID, rc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ch.CodeHash, code) || len(ch.CodeHash) != 64 {
		t.Fatalf("stored %q", ch.CodeHash)
	}
	if f.v.hashCode(rc.ID+1, code) == ch.CodeHash {
		t.Fatal("the hash is not bound to the recipient")
	}
	other := newFixture(t, nil, nil)
	if other.v.hashCode(rc.ID, code) == ch.CodeHash {
		t.Fatal("the hash does not depend on the key")
	}
}

func TestWrongMethod(t *testing.T) {
	f := newFixture(t, nil, nil)
	rc := f.accessRecipient(t)
	_, err := f.v.SendCode(ctx, rc, "en")
	wantErr(t, "a text to an access-code recipient", err, ErrWrongMethod)
	rc.Method = db.MethodSMS
	rc.Phone = ""
	_, err = f.v.SendCode(ctx, rc, "en")
	wantErr(t, "a text without a number", err, ErrWrongMethod)
}
