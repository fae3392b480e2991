package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The group-committed records of notifications (portal/jobs.Recorder)
// write a whole batch with a few statements rather than three per mail:
// on PostgreSQL every statement is a round trip, and a batch's round
// trips run one after another inside its transaction, so their number,
// not the work, bounded how many notifications a second went out.

// Notified is a recipient a notification reached, with the relay's reply
// to it (for the proof of delivery; "" when none was given).
type Notified struct {
	OrgID       int64
	RecipientID int64
	Reply       string
}

// batchRows bounds the rows of one statement (six parameters each for the
// records: well under either dialect's limit on parameters); a batch of
// more is written in several statements.
const batchRows = 100

// RecordMailsSent is RecordMailSent for many mails at once: all are
// recorded as sent now (by the Store's clock), which it returns.
func (t *Tx) RecordMailsSent(ctx context.Context, js []SentJob) (time.Time, error) {
	now := t.s.now().UTC()
	for len(js) > 0 {
		part := js[:min(len(js), batchRows)]
		js = js[len(part):]
		rows := padded(len(part))
		args := make([]any, 0, 6*rows)
		for i := range rows {
			j := part[min(i, len(part)-1)]
			args = append(args, j.OrgID, j.JobID, micros(j.Created), j.Part, j.Kind, micros(now))
		}
		q := `INSERT INTO mail_sent (org_id, job_id, job_created, part, kind, sent_at) VALUES ` +
			repeatJoin("(?, ?, ?, ?, ?, ?)", rows) + ` ON CONFLICT (org_id, job_id, job_created, part) DO NOTHING`
		if _, err := t.exec(ctx, q, args...); err != nil {
			return time.Time{}, fmt.Errorf("recording %d mails as sent: %w", len(part), err)
		}
	}
	return now, nil
}

// MarkAllNotified is MarkNotified and RecordRelayReply for many recipients
// at once, all notified at at. It fails with ErrNotFound unless every one
// of them was found (in its organisation).
func (t *Tx) MarkAllNotified(ctx context.Context, at time.Time, ns []Notified) error {
	seen := make(map[[2]int64]bool, len(ns))
	uniq := ns[:0:0]
	for _, n := range ns {
		if k := [2]int64{n.OrgID, n.RecipientID}; !seen[k] {
			seen[k] = true
			uniq = append(uniq, n)
		}
	}
	for len(uniq) > 0 {
		part := uniq[:min(len(uniq), batchRows)]
		uniq = uniq[len(part):]
		rows := padded(len(part))
		args := []any{micros(at), micros(at)}
		for i := range rows {
			n := part[min(i, len(part)-1)]
			reply := n.Reply
			if len(reply) > maxReplyText {
				reply = reply[:maxReplyText]
			}
			args = append(args, n.OrgID, n.RecipientID, reply)
		}
		q := `UPDATE recipients SET status = CASE WHEN status = 'pending' THEN 'notified' ELSE status END,
			status_at = ?, notified_at = ?,
			relay_reply = CASE WHEN v.reply <> '' THEN v.reply ELSE recipients.relay_reply END
			FROM (` + repeatJoin("SELECT CAST(? AS BIGINT) AS org_id, CAST(? AS BIGINT) AS id, CAST(? AS TEXT) AS reply", rows, " UNION ALL ") +
			`) AS v WHERE recipients.org_id = v.org_id AND recipients.id = v.id`
		res, err := t.exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("marking %d recipients notified: %w", len(part), err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != int64(len(part)) {
			return fmt.Errorf("marking %d recipients notified, %d found: %w", len(part), n, ErrNotFound)
		}
	}
	return nil
}

// padded is the number of rows a statement for n rows is written with:
// the next power of two up to 64, then batchRows. The last row is repeated
// to fill it (a repeated record or recipient changes nothing twice), so
// that a handful of statement texts serve every batch: the Store prepares
// each text once and keeps a bounded number of them.
func padded(n int) int {
	if n > 64 {
		return batchRows
	}
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// repeatJoin is s n times, separated by sep (", " when none is given).
func repeatJoin(s string, n int, sep ...string) string {
	j := ", "
	if len(sep) > 0 {
		j = sep[0]
	}
	return strings.TrimSuffix(strings.Repeat(s+j, n), j)
}
