package verify

import (
	"testing"
	"time"

	"sluis/db"
)

func TestSessionsBoundIdleAndAbsolute(t *testing.T) {
	each(t, nil, func(t *testing.T, f *fixture) {
		f.AddPhone(t, "a@example.com", "+31612345601")
		f.AddPhone(t, "b@example.com", "+31612345602")
		_, rs := f.Submit(t, plainMail, "a@example.com", "b@example.com")
		token, err := f.v.StartSession(ctx, rs[0])
		if err != nil {
			t.Fatal(err)
		}
		sess, err := f.v.Session(ctx, token)
		if err != nil || !sess.Opens(rs[0]) || sess.Opens(rs[1]) {
			t.Fatalf("session %+v (%v): must open a and only a", sess, err)
		}
		if st, _ := f.Store.Recipient(ctx, rs[0].OrgID, rs[0].ID); st.Status != db.StatusVerified {
			t.Fatalf("status %s, want verified", st.Status)
		}
		for i := 0; i < 25; i++ { // active for 12.5 hours, never idle for 30 minutes
			f.advance(29 * time.Minute)
			if _, err := f.v.Session(ctx, token); err != nil {
				if i < 24 {
					t.Fatalf("after %d checks: %v", i+1, err)
				}
				wantErr(t, "past the absolute limit", err, ErrNoSession)
			}
		}
		idle, _ := f.v.StartSession(ctx, rs[0])
		f.advance(30 * time.Minute)
		_, err = f.v.Session(ctx, idle)
		wantErr(t, "after 30 idle minutes", err, ErrNoSession)
		ended, _ := f.v.StartSession(ctx, rs[0])
		if err := f.v.EndSession(ctx, ended); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.Session(ctx, ended)
		wantErr(t, "an ended session", err, ErrNoSession)
		_, err = f.v.Session(ctx, "not-a-token")
		wantErr(t, "a made-up token", err, ErrNoSession)
	})
}
