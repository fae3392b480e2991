package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrAnswered: the channel message was answered already.
var ErrAnswered = errors.New("channel message already answered")

// The staff side of the secure channel: who is in an organisation's secure
// inbox, and the inbox's list, first reads and answers. Every statement
// carries the organisation.

// InboxMember reports whether the user is in the organisation's secure
// inbox, whose address is inbox: with inbox "" the organisation's enabled
// admins are; otherwise the enabled user whose address or alias it is, or
// the enabled users one of whose addresses is a member of the group at it.
func (s *Store) InboxMember(ctx context.Context, orgID int64, u User, inbox string) (bool, error) {
	if u.OrgID != orgID || u.Disabled {
		return false, nil
	}
	if inbox == "" {
		return u.Role == RoleAdmin, nil
	}
	var n int
	err := s.reader().queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE org_id = ? AND id = ? AND disabled = 0 AND lower(email) = lower(?))
		+ (SELECT COUNT(*) FROM user_aliases WHERE org_id = ? AND user_id = ? AND lower(address) = lower(?))
		+ (SELECT COUNT(*) FROM group_members m JOIN groups g ON g.id = m.group_id
			WHERE g.org_id = ? AND lower(g.address) = lower(?) AND (lower(m.address) = lower(?)
				OR lower(m.address) IN (SELECT lower(address) FROM user_aliases WHERE org_id = ? AND user_id = ?)))`,
		orgID, u.ID, inbox, orgID, u.ID, inbox, orgID, inbox, u.Email, orgID, u.ID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("inbox membership of user %d: %w", u.ID, mapError(err))
	}
	return n > 0, nil
}

// ChannelMessages lists one page of an organisation's channel messages,
// newest first: limit rows after skipping offset.
func (s *Store) ChannelMessages(ctx context.Context, orgID int64, limit, offset int) ([]ChannelMessage, error) {
	return collect[ChannelMessage](s.reader().query(ctx, `SELECT `+channelMessageColumns+` FROM channel_messages
		WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, orgID, limit, offset))(scanChannelMessage)
}

// MarkChannelRead records the first read of a channel message; a later
// read changes nothing. first says whether this call was the first.
func (s *Store) MarkChannelRead(ctx context.Context, orgID, id int64, at time.Time) (first bool, err error) {
	res, err := s.writer().exec(ctx, `UPDATE channel_messages SET read_at = ? WHERE org_id = ? AND id = ? AND read_at IS NULL`,
		micros(at), orgID, id)
	if err != nil {
		return false, fmt.Errorf("marking channel message %d read: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkChannelAnswered records, in the transaction that creates the
// answer, who answered a channel message and with which message. It
// fails with ErrAnswered when the message was answered already (by a
// concurrent request), so that one answer at most is recorded.
func (t *Tx) MarkChannelAnswered(ctx context.Context, orgID, id, userID, messageID int64, at time.Time) error {
	var answer any // 0: no message (NULL)
	if messageID != 0 {
		answer = messageID
	}
	res, err := t.exec(ctx, `UPDATE channel_messages SET answered_at = ?, answered_by = ?, answer_message_id = ?,
		read_at = COALESCE(read_at, ?) WHERE org_id = ? AND id = ? AND answered_at IS NULL`,
		micros(at), userID, answer, micros(at), orgID, id)
	if err != nil {
		return fmt.Errorf("marking channel message %d answered: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = ErrAnswered
		}
		return fmt.Errorf("marking channel message %d answered: %w", id, err)
	}
	return nil
}
