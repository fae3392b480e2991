package db_test

import (
	"strconv"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// TestSentMessagesFilters: the sender's list filters by state, by part of
// a recipient's address (any case, LIKE wildcards taken literally), by
// ids, pages, and never shows another sender's messages.
func TestSentMessagesFilters(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		org := mustOrg(t, s, "Ziekenhuis", "zkh.example")
		u := mustUser(t, s, org, "arts@zkh.example")
		other := mustUser(t, s, org, "ander@zkh.example")
		now := time.Now().UTC()
		var ids []int64
		add := func(sender db.User, state, rcpt string, i int) {
			nm := &db.NewMessage{Message: db.Message{UID: "uid-" + strconv.Itoa(i), OrgID: org.ID, SenderID: sender.ID,
				UnitID: sender.UnitID, State: state, Subject: []byte("sealed"), CreatedAt: now.Add(time.Duration(i) * time.Second),
				ExpiresAt: now.Add(time.Hour)},
				Recipients: []db.Recipient{{OrgID: org.ID, Address: rcpt, Field: "to", Method: db.MethodSMS, StatusAt: now,
					LinkNonce: "n" + strconv.Itoa(i), TokenHash: "h" + strconv.Itoa(i)}}}
			if err := s.InTx(ctx, func(tx *db.Tx) error { return tx.InsertMessage(ctx, nm) }); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, nm.Message.ID)
		}
		add(u, db.StateReleased, "patient@example.com", 0)
		add(u, db.StateHeld, "nieuw@example.org", 1)
		add(u, db.StateReleased, "Collega@Partner.example", 2)
		add(u, db.StateReleased, "a_b@example.com", 3)
		add(other, db.StateReleased, "patient@example.com", 4)
		count := func(q db.SentQuery) int {
			t.Helper()
			got, err := s.SentMessages(ctx, org.ID, u.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			return len(got)
		}
		for name, tc := range map[string]struct {
			q    db.SentQuery
			want int
		}{
			"all":                 {db.SentQuery{}, 4},
			"held":                {db.SentQuery{States: []string{db.StateHeld}}, 1},
			"sent":                {db.SentQuery{States: []string{db.StateReleased}}, 3},
			"sent or held":        {db.SentQuery{States: []string{db.StateReleased, db.StateHeld}}, 4},
			"recipient, any case": {db.SentQuery{Recipient: "PARTNER"}, 1},
			"underscore literal":  {db.SentQuery{Recipient: "a_b"}, 1},
			"percent literal":     {db.SentQuery{Recipient: "%"}, 0},
			"recipient or id":     {db.SentQuery{Recipient: "partner", IDs: []int64{ids[1]}}, 2},
			"another's id":        {db.SentQuery{IDs: []int64{ids[4]}}, 0},
			"a page":              {db.SentQuery{Limit: 3, Offset: 3}, 1},
		} {
			if got := count(tc.q); got != tc.want {
				t.Errorf("%s: %d, want %d", name, got, tc.want)
			}
		}
	})
}
