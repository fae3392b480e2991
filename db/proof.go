package db

import (
	"context"
	"fmt"
)

// What a sender's proof of delivery reads beyond a recipient's status:
// the relay's reply to each notification and the audit events about the
// message (recipients' views and downloads). Both outlive the purged
// content.

// maxReplyText bounds a relay's reply as kept.
const maxReplyText = 512

// RecordRelayReply keeps the relay's reply to a recipient's notification,
// in the transaction that marks the recipient notified.
func (t *Tx) RecordRelayReply(ctx context.Context, orgID, recipientID int64, reply string) error {
	if len(reply) > maxReplyText {
		reply = reply[:maxReplyText]
	}
	_, err := t.exec(ctx, `UPDATE recipients SET relay_reply = ? WHERE org_id = ? AND id = ?`, reply, orgID, recipientID)
	if err != nil {
		return fmt.Errorf("recording the relay's reply for recipient %d: %w", recipientID, err)
	}
	return nil
}

// RelayReplies returns the relay's replies to a message's notifications,
// by recipient id; recipients without one are absent.
func (s *Store) RelayReplies(ctx context.Context, orgID, messageID int64) (map[int64]string, error) {
	rows, err := s.reader().query(ctx, `SELECT id, relay_reply FROM recipients WHERE org_id = ? AND message_id = ? AND relay_reply <> ''`,
		orgID, messageID)
	if err != nil {
		return nil, fmt.Errorf("reading relay replies: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var reply string
		if err := rows.Scan(&id, &reply); err != nil {
			return nil, err
		}
		out[id] = reply
	}
	return out, rows.Err()
}

// maxTargetEvents bounds the events one proof lists.
const maxTargetEvents = 10000

// AuditEventsOf lists the organisation's events about one target
// ("message:<uid>"), oldest first, at most 10,000.
func (s *Store) AuditEventsOf(ctx context.Context, orgID int64, target string) ([]AuditEvent, error) {
	rows, err := s.reader().query(ctx, `SELECT id, org_id, at, COALESCE(actor_id, 0), actor, kind, target, ip, outcome, before, after, detail
		FROM audit_events WHERE org_id = ? AND target = ? ORDER BY at, id LIMIT ?`, orgID, clip(target), maxTargetEvents)
	if err != nil {
		return nil, fmt.Errorf("reading the events of %s: %w", target, err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &e.ActorID, &e.Actor, &e.Kind, &e.Target, &e.IP, &e.Outcome, &e.Before, &e.After, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
