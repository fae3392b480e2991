package db

import (
	"context"
	"fmt"
)

// ReplyByUID returns one reply of the organisation by its public id.
func (s *Store) ReplyByUID(ctx context.Context, orgID int64, uid string) (Reply, error) {
	r, err := scanReply(s.reader().queryRow(ctx, `SELECT `+replyColumns+` FROM replies WHERE org_id = ? AND uid = ?`, orgID, uid))
	if err != nil {
		return Reply{}, fmt.Errorf("reply %s: %w", uid, err)
	}
	return r, nil
}
