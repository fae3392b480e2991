package db

import (
	"context"
	"fmt"
	"time"
)

// SentJob names one job whose mail the relay accepted: River's id and
// creation time together (SQLite may give a deleted job's id to a new one,
// never with the same creation time).
type SentJob struct {
	OrgID   int64
	JobID   int64
	Created time.Time
	Kind    string // the job's kind, for reading the table by hand
	// Part names one of the job's mails when it sends several (a
	// message's notification job: the recipient's id); 0 otherwise.
	Part int64
}

// RecordMailSent records that the relay accepted the job's mail now (by
// the Store's clock), and returns that time. Recording it again changes
// nothing.
func (s *Store) RecordMailSent(ctx context.Context, j SentJob) (at time.Time, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		at, err = tx.RecordMailSent(ctx, j)
		return err
	})
	return at, err
}

// RecordMailSent is Store.RecordMailSent inside the transaction, so that
// what the mail changes is recorded in the same commit.
func (t *Tx) RecordMailSent(ctx context.Context, j SentJob) (time.Time, error) {
	now := t.s.now().UTC()
	_, err := t.exec(ctx, `INSERT INTO mail_sent (org_id, job_id, job_created, part, kind, sent_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, job_id, job_created, part) DO NOTHING`, j.OrgID, j.JobID, micros(j.Created), j.Part, j.Kind, micros(now))
	if err != nil {
		return time.Time{}, fmt.Errorf("recording the mail of job %d as sent: %w", j.JobID, err)
	}
	return now, nil
}

// MailSentAt returns when the relay accepted the job's mail, or
// ErrNotFound when no run of the job recorded that.
func (s *Store) MailSentAt(ctx context.Context, j SentJob) (time.Time, error) {
	var at int64
	err := s.reader().queryRow(ctx, `SELECT sent_at FROM mail_sent WHERE org_id = ? AND job_id = ? AND job_created = ? AND part = ?`,
		j.OrgID, j.JobID, micros(j.Created), j.Part).Scan(&at)
	if err != nil {
		return time.Time{}, mapError(err)
	}
	return fromMicros(at), nil
}

// SweepMailSent deletes the records made before cutoff, of every
// organisation (housekeeping: a record outlives every retry of its job,
// then serves nothing), and reports how many it deleted.
func (s *Store) SweepMailSent(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.writer().exec(ctx, `DELETE FROM mail_sent WHERE sent_at < ?`, micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("sweeping sent-mail records: %w", err)
	}
	return res.RowsAffected()
}
