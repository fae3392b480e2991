package db_test

import (
	"errors"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestChannelSettings: defaults without a row, a stored row read back,
// and each organisation's own.
func TestChannelSettings(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		cs, err := s.ChannelSettings(ctx, a.ID)
		if err != nil || !cs.Enabled || cs.Inbox != "" || len(cs.Intro) != 0 {
			t.Fatalf("defaults: %+v, %v", cs, err)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		for _, enabled := range []bool{false, true, false} {
			put := db.ChannelSettings{OrgID: a.ID, Enabled: enabled, Inbox: "balie@a.nl",
				Intro: map[string]string{"nl": "Welkom\nbij A", "en": "Welcome"}, UpdatedAt: now}
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.PutChannelSettings(ctx, put) }); err != nil {
				t.Fatal(err)
			}
		}
		cs, err = s.ChannelSettings(ctx, a.ID)
		if err != nil || cs.Enabled || cs.Inbox != "balie@a.nl" || cs.Intro["nl"] != "Welkom\nbij A" || cs.Intro["en"] != "Welcome" ||
			cs.Intro["fr"] != "" || !cs.UpdatedAt.Equal(now) {
			t.Errorf("read back: %+v, %v", cs, err)
		}
		if cs, _ := s.ChannelSettings(ctx, b.ID); !cs.Enabled || cs.Inbox != "" {
			t.Errorf("another organisation's settings leaked: %+v", cs)
		}
	})
}

// TestChannelCodes: a code reserved under the cooldown, the limits per
// address, per network and per organisation and day; a relay failure
// released; wrong entries charged up to the limit; a right code verifies
// once; tokens are the organisation's own.
func TestChannelCodes(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		newChallenge := func(org int64, token, address, network string) db.ChannelChallenge {
			t.Helper()
			c := db.ChannelChallenge{TokenHash: token, OrgID: org, Address: address, Network: network, CreatedAt: now,
				ExpiresAt: now.Add(2 * time.Hour)}
			if err := s.CreateChannelChallenge(ctx, &c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := newChallenge(a.ID, "tok1", "p@example.com", "192.0.2.0/24")
		if _, err := s.ChannelChallengeByToken(ctx, b.ID, "tok1", now); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation's token: %v", err)
		}
		if _, err := s.ChannelChallengeByToken(ctx, a.ID, "tok1", now.Add(2*time.Hour)); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("an expired challenge: %v", err)
		}
		send := func(c db.ChannelChallenge, hash string, at time.Time, daily int) (db.ChannelCodeReservation, string) {
			t.Helper()
			r, err := s.ReserveChannelCode(ctx, db.ChannelCodeSend{OrgID: c.OrgID, ChallengeID: c.ID, CodeHash: hash, Now: at,
				TTL: 10 * time.Minute, Cooldown: time.Minute, PerAddress: 3, PerNetwork: 4, DailyCap: daily})
			var refusal *db.SendRefusal
			if errors.As(err, &refusal) {
				return r, refusal.Reason
			}
			if err != nil {
				t.Fatal(err)
			}
			return r, ""
		}
		if _, why := send(c, "h1", now, 100); why != "" {
			t.Fatalf("first code refused: %s", why)
		}
		if _, why := send(c, "h2", now.Add(59*time.Second), 100); why != db.RefusedCooldown {
			t.Errorf("a code within the cooldown: %q", why)
		}
		r, why := send(c, "h2", now.Add(time.Minute), 100)
		if why != "" {
			t.Fatalf("second code refused: %s", why)
		}
		if err := s.ReleaseChannelCode(ctx, a.ID, r); err != nil {
			t.Fatal(err)
		}
		got, _ := s.ChannelChallengeByToken(ctx, a.ID, "tok1", now)
		if got.CodeHash != "h1" || !got.CodeSentAt.Equal(now) {
			t.Errorf("after a release the first code is not live again: %+v", got)
		}
		send(c, "h2", now.Add(2*time.Minute), 100)
		send(c, "h3", now.Add(3*time.Minute), 100)
		if _, why := send(c, "h4", now.Add(4*time.Minute), 100); why != db.RefusedHourly {
			t.Errorf("a fourth code to the address within the hour: %q", why)
		}
		// The network asked 3 codes so far: a fourth, to another address,
		// passes; a fifth is refused.
		c2 := newChallenge(a.ID, "tok2", "q@example.com", "192.0.2.0/24")
		if _, why := send(c2, "x1", now.Add(4*time.Minute), 100); why != "" {
			t.Errorf("a fourth code from the network: %q", why)
		}
		c2b := newChallenge(a.ID, "tok2b", "s@example.com", "192.0.2.0/24")
		if _, why := send(c2b, "x2", now.Add(4*time.Minute), 100); why != db.RefusedNetwork {
			t.Errorf("a fifth code from the network: %q", why)
		}
		if _, why := send(c, "h4", now.Add(61*time.Minute), 100); why != "" {
			t.Errorf("a code once the hour passed: %q", why)
		}
		c3 := newChallenge(a.ID, "tok3", "r@example.com", "198.51.100.0/24")
		if _, why := send(c3, "y1", now.Add(62*time.Minute), 5); why != db.RefusedDaily {
			t.Errorf("the sixth code of the organisation's day under a cap of 5: %q", why)
		}
		cb := newChallenge(b.ID, "tokb", "p@example.com", "192.0.2.0/24")
		if _, why := send(cb, "z1", now.Add(62*time.Minute), 5); why != "" {
			t.Errorf("another organisation counted this one's codes: %q", why)
		}

		// Wrong entries: charged up to the limit, then refused.
		at := now.Add(62 * time.Minute)
		if _, ok, err := s.ChargeChannelCode(ctx, a.ID, c3.ID, at, 3); err != nil || ok {
			t.Fatalf("charging a challenge without a code: ok %v, %v", ok, err)
		}
		send(c3, "y1", at, 100)
		for i := 1; i <= 3; i++ {
			ch, ok, err := s.ChargeChannelCode(ctx, a.ID, c3.ID, at, 3)
			if err != nil || !ok || ch.CodeFailures != i {
				t.Fatalf("charge %d: %+v, %v, %v", i, ch, ok, err)
			}
		}
		if _, ok, _ := s.ChargeChannelCode(ctx, a.ID, c3.ID, at, 3); ok {
			t.Error("a fourth entry of a code allowed three")
		}
		if _, ok, _ := s.ChargeChannelCode(ctx, b.ID, c.ID, at, 3); ok {
			t.Error("another organisation charged this one's challenge")
		}
		if _, ok, _ := s.ChargeChannelCode(ctx, a.ID, c.ID, now.Add(2*time.Hour), 3); ok {
			t.Error("an expired code was charged")
		}
		// A right code verifies once and makes the challenge a session.
		if _, ok, _ := s.ChargeChannelCode(ctx, a.ID, c.ID, at, 3); !ok {
			t.Fatal("a live code was not charged")
		}
		ends := at.Add(time.Hour)
		if ok, err := s.VerifyChannelCode(ctx, b.ID, c.ID, "h4", at, ends); ok || err != nil {
			t.Errorf("another organisation verified: %v, %v", ok, err)
		}
		if ok, err := s.VerifyChannelCode(ctx, a.ID, c.ID, "h4", at, ends); !ok || err != nil {
			t.Fatalf("verify: %v, %v", ok, err)
		}
		if ok, _ := s.VerifyChannelCode(ctx, a.ID, c.ID, "h4", at, ends); ok {
			t.Error("a code verified twice")
		}
		got, err := s.ChannelChallengeByToken(ctx, a.ID, "tok1", at)
		if err != nil || !got.VerifiedAt.Equal(at) || !got.ExpiresAt.Equal(ends) || got.CodeHash != "" || got.CodeFailures != 0 {
			t.Errorf("verified challenge: %+v, %v", got, err)
		}
		if _, err := s.ReserveChannelCode(ctx, db.ChannelCodeSend{OrgID: a.ID, ChallengeID: c.ID, CodeHash: "h5", Now: at.Add(time.Hour),
			TTL: time.Minute, Cooldown: time.Minute, PerAddress: 9, PerNetwork: 9, DailyCap: 99}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a code for a verified challenge: %v", err)
		}
	})
}

// TestChannelMessages: a message and its files stored together, the
// counts the limits read, the blob references, and the purge of what
// expired.
func TestChannelMessages(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		a := mustOrg(t, s, "A", "a.nl")
		b := mustOrg(t, s, "B", "b.nl")
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		insert := func(org int64, uid, address, network string, at time.Time, files ...string) db.NewChannelMessage {
			t.Helper()
			nm := db.NewChannelMessage{Message: db.ChannelMessage{UID: uid, OrgID: org, Address: address, Subject: []byte("sealed"),
				TextBlob: uid + "-text", Size: 10, Network: network, CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}}
			for _, f := range files {
				nm.Attachments = append(nm.Attachments, db.ChannelAttachment{BlobID: f, Filename: []byte("sealed " + f),
					ContentType: "application/pdf", Size: 5})
			}
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertChannelMessage(ctx, &nm) }); err != nil {
				t.Fatal(err)
			}
			return nm
		}
		m1 := insert(a.ID, "c1", "p@example.com", "192.0.2.0/24", now, "f1", "f2")
		insert(a.ID, "c2", "p@example.com", "198.51.100.0/24", now.Add(time.Minute))
		insert(a.ID, "c3", "q@example.com", "192.0.2.0/24", now.Add(2*time.Minute))
		insert(b.ID, "c4", "p@example.com", "192.0.2.0/24", now.Add(3*time.Minute))
		var c db.ChannelCounts
		err := s.InTx(ctx, func(tx *db.Tx) (err error) {
			c, err = tx.CountChannelMessages(ctx, a.ID, "p@example.com", "192.0.2.0/24", now.Add(-time.Microsecond))
			return err
		})
		if err != nil || c.Address != 2 || c.Network != 2 {
			t.Errorf("counts %+v (%v), want 2 of the address and 2 of the network", c, err)
		}
		if c, err := s.ChannelMessageCounts(ctx, a.ID, "p@example.com", "192.0.2.0/24", now.Add(30*time.Second)); err != nil ||
			c.Address != 1 || c.Network != 1 {
			t.Errorf("counts outside a transaction %+v (%v), want 1 and 1 after the first", c, err)
		}
		got, err := s.ChannelMessageByUID(ctx, a.ID, "c1")
		if err != nil || got.ID != m1.Message.ID || got.Address != "p@example.com" || string(got.Subject) != "sealed" || got.Name != nil {
			t.Errorf("read back: %+v, %v", got, err)
		}
		if _, err := s.ChannelMessageByUID(ctx, b.ID, "c1"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation's message: %v", err)
		}
		if _, err := s.ChannelMessage(ctx, b.ID, m1.Message.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another organisation's message by id: %v", err)
		}
		files, err := s.ChannelAttachments(ctx, a.ID, m1.Message.ID)
		if err != nil || len(files) != 2 || files[1].BlobID != "f2" || files[1].Position != 1 {
			t.Errorf("files: %+v, %v", files, err)
		}
		for _, blob := range []string{"c1-text", "f1"} {
			if used, err := s.BlobReferenced(ctx, blob); err != nil || !used {
				t.Errorf("blob %s not referenced: %v", blob, err)
			}
		}
		ch := db.ChannelChallenge{TokenHash: "t", OrgID: a.ID, Address: "p@example.com", Network: "n", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateChannelChallenge(ctx, &ch); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReserveChannelCode(ctx, db.ChannelCodeSend{OrgID: a.ID, ChallengeID: ch.ID, CodeHash: "h", Now: now,
			TTL: time.Minute, Cooldown: time.Minute, PerAddress: 5, PerNetwork: 5, DailyCap: 5}); err != nil {
			t.Fatal(err)
		}
		// One day and a minute later c1 and c2 expired, c3 not yet.
		p, err := s.PurgeChannel(ctx, now.Add(24*time.Hour+time.Minute), now.Add(time.Second), 100)
		if err != nil || p.Messages != 2 || len(p.Blobs) != 4 || p.Challenges != 1 || p.CodeSends != 1 {
			t.Fatalf("purge: %+v, %v", p, err)
		}
		if used, _ := s.BlobReferenced(ctx, "f1"); used {
			t.Error("a purged message's file is still referenced")
		}
		if _, err := s.ChannelMessageByUID(ctx, a.ID, "c3"); err != nil {
			t.Errorf("a message not yet expired was purged: %v", err)
		}
		if files, _ := s.ChannelAttachments(ctx, a.ID, m1.Message.ID); len(files) != 0 {
			t.Errorf("a purged message's files remain: %+v", files)
		}
	})
}
