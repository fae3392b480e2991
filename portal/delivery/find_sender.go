package delivery

import (
	"context"
	"strings"

	"sluis/db"
)

// subjectScan bounds how many of a sender's newest messages a search
// opens to match subjects. Subjects are sealed at rest, so SQL cannot
// match them; recipients' addresses are matched in SQL over every message.
const subjectScan = 600

// FindSenderMessages lists one page of the sender's messages in q's
// states (newest first) and, when text is not empty, only those whose
// subject (among the newest subjectScan) or a recipient's address
// contains it, ignoring case.
func (s *Service) FindSenderMessages(ctx context.Context, sender db.User, q db.SentQuery, text string) ([]OwnMessage, error) {
	if text = strings.TrimSpace(text); text != "" {
		ids, err := s.subjectMatches(ctx, sender, q.States, strings.ToLower(text))
		if err != nil {
			return nil, err
		}
		q.Recipient, q.IDs = text, ids
	}
	return s.SenderMessages(ctx, sender, q)
}

// subjectMatches lists the ids of the sender's newest messages whose
// subject contains want (lower case).
func (s *Service) subjectMatches(ctx context.Context, sender db.User, states []string, want string) ([]int64, error) {
	const batch = 200
	var ids []int64
	for off := 0; off < subjectScan; off += batch {
		page, err := s.opt.Store.SentMessages(ctx, sender.OrgID, sender.ID, db.SentQuery{States: states, Limit: batch, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			subject, err := s.subject(m)
			if err != nil {
				return nil, err
			}
			if strings.Contains(strings.ToLower(subject), want) {
				ids = append(ids, m.ID)
			}
		}
		if len(page) < batch {
			break
		}
	}
	return ids, nil
}
