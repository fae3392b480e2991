package delivery

import (
	"context"
	"slices"
	"strings"

	"sluis/db"
)

// A draft that the sender sends again from the mail program (after fixing
// the address book, or with a control block) is superseded by the new
// message: same sender, same subject, same recipients. It can then no
// longer be finished from the web app, and its link says so.

// supersedeDrafts marks the sender's earlier held drafts that nm repeats
// superseded. It runs after nm is committed; a failure only leaves the
// old draft to expire, so it is logged, not returned.
func (s *Service) supersedeDrafts(ctx context.Context, nm *db.NewMessage, subject string) {
	m := nm.Message
	drafts, err := s.opt.Store.HeldDrafts(ctx, m.OrgID, m.SenderID)
	if err != nil {
		s.opt.Logger.Warn("looking for superseded drafts", "message_id", m.ID, "err", err)
		return
	}
	want := addressSet(nm.Recipients)
	for _, d := range drafts {
		if d.ID == m.ID || !s.sameDraft(ctx, d, subject, want) {
			continue
		}
		if _, err := s.opt.Store.SupersedeDraft(ctx, d.OrgID, d.ID); err != nil {
			s.opt.Logger.Warn("marking a draft superseded", "message_id", d.ID, "err", err)
			continue
		}
		s.opt.Logger.Info("draft superseded by a new message", "message_id", d.ID, "by", m.ID)
	}
}

func (s *Service) sameDraft(ctx context.Context, d db.Message, subject string, want []string) bool {
	subj, err := s.subject(d)
	if err != nil || subj != subject {
		return false
	}
	rcpts, err := s.opt.Store.Recipients(ctx, d.OrgID, d.ID)
	return err == nil && slices.Equal(addressSet(rcpts), want)
}

func addressSet(rcpts []db.Recipient) []string {
	out := make([]string, 0, len(rcpts))
	for _, r := range rcpts {
		out = append(out, strings.ToLower(r.Address))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
