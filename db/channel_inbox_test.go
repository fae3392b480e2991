package db_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestChannelInboxStore: the inbox lists an organisation's channel
// messages newest first, page by page, and no other organisation's; the
// first read is kept; an answer is recorded once, with who and which
// message; an admin and the addresses of users, aliases and groups decide
// who is in the inbox.
func TestChannelInboxStore(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Gemeente", "gemeente.example")
		other := mustOrg(t, s, "Elders", "elders.example")
		u := mustUser(t, s, org, "balie@gemeente.example")
		base := time.Now().UTC().Truncate(time.Second)
		put := func(o db.Org, i int) db.ChannelMessage {
			nm := db.NewChannelMessage{Message: db.ChannelMessage{UID: fmt.Sprintf("%s-%d", o.Name, i), OrgID: o.ID,
				Address: "burger@example.com", Subject: []byte("sealed"), Network: "192.0.2.0/24",
				CreatedAt: base.Add(time.Duration(i) * time.Minute), ExpiresAt: base.Add(time.Hour)}}
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertChannelMessage(ctx, &nm) }); err != nil {
				t.Fatal(err)
			}
			return nm.Message
		}
		for i := range 3 {
			put(org, i)
		}
		theirs := put(other, 9)
		page1, err := s.ChannelMessages(ctx, org.ID, 2, 0)
		if err != nil || len(page1) != 2 || page1[0].UID != "Gemeente-2" || page1[1].UID != "Gemeente-1" {
			t.Fatalf("page 1: %+v %v", page1, err)
		}
		page2, err := s.ChannelMessages(ctx, org.ID, 2, 2)
		if err != nil || len(page2) != 1 || page2[0].UID != "Gemeente-0" {
			t.Fatalf("page 2: %+v %v", page2, err)
		}
		m := page1[0]
		if first, err := s.MarkChannelRead(ctx, org.ID, m.ID, base); err != nil || !first {
			t.Fatalf("first read: %v %v", first, err)
		}
		if first, err := s.MarkChannelRead(ctx, org.ID, m.ID, base.Add(time.Hour)); err != nil || first {
			t.Fatalf("second read: %v %v", first, err)
		}
		if first, err := s.MarkChannelRead(ctx, org.ID, theirs.ID, base); err != nil || first {
			t.Fatalf("another organisation's message was marked read: %v", err)
		}
		answer := func(orgID, id int64) error {
			return s.InTx(ctx, func(tx *db.Tx) error { return tx.MarkChannelAnswered(ctx, orgID, id, u.ID, 0, base) })
		}
		if err := answer(org.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := answer(org.ID, m.ID); !errors.Is(err, db.ErrAnswered) {
			t.Fatalf("a second answer: %v", err)
		}
		if err := answer(org.ID, theirs.ID); !errors.Is(err, db.ErrAnswered) {
			t.Fatalf("another organisation's message: %v", err)
		}
		got, err := s.ChannelMessage(ctx, org.ID, m.ID)
		if err != nil || !got.ReadAt.Equal(base) || !got.AnsweredAt.Equal(base) || got.AnsweredBy != u.ID {
			t.Fatalf("after read and answer: %+v %v", got, err)
		}

		admin, err := s.CreateUser(ctx, db.NewUser{OrgID: org.ID, Email: "beheer@gemeente.example", Role: db.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who   db.User
			inbox string
			want  bool
		}{{admin, "", true}, {u, "", false}, {u, "BALIE@gemeente.example", true}, {admin, "balie@gemeente.example", false}} {
			if ok, err := s.InboxMember(ctx, org.ID, tc.who, tc.inbox); err != nil || ok != tc.want {
				t.Errorf("%s in %q: %v (%v), want %v", tc.who.Email, tc.inbox, ok, err, tc.want)
			}
		}
	})
}
