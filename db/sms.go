package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Why ReserveCode sent nothing.
const (
	RefusedLocked   = "locked"   // the recipient is locked
	RefusedCooldown = "cooldown" // the last code is too recent
	RefusedHourly   = "hourly"   // the recipient had too many codes this hour
	RefusedDaily    = "daily"    // the organisation reached its daily cap
)

// CodeSend is a new code to record and the limits it must respect: an SMS
// code, or a code mailed to the recipient's own address (method 'mail'),
// which counts against every limit but the organisation's daily text cap
// (DailyCap 0). sms_sends keeps one row per code of either kind.
type CodeSend struct {
	OrgID, RecipientID int64
	CodeHash           string
	Now                time.Time
	TTL                time.Duration // how long the code is valid
	Cooldown           time.Duration // least time between two codes
	PerHour            int           // most codes to one recipient in any hour
	DailyCap           int           // most texts of the organisation per UTC day; 0: not a text, not counted
	MaxFailures        int           // failures that mean locked
}

// CodeReservation is a recorded code: the text may now be sent. When the
// gateway fails, ReleaseCode undoes it so the failure costs the person
// nothing.
type CodeReservation struct {
	SendID   int64
	Previous Challenge // the state before, restored by ReleaseCode
	Day      string    // the UTC day the text counted on; "" for a mailed code
	CodeHash string
}

// SendRefusal is ReserveCode's answer when a limit forbids the text.
type SendRefusal struct {
	Reason string    // RefusedLocked, RefusedCooldown, …
	Until  time.Time // when a text may be sent again; zero when unknown
}

func (r *SendRefusal) Error() string { return "text refused: " + r.Reason }

// ReserveCode makes cs.CodeHash the recipient's only live code and counts
// the text against the cooldown, the hourly limit and the organisation's
// daily cap, all in one transaction: concurrent requests on several
// instances cannot together pass a limit. A refusal is a *SendRefusal.
func (s *Store) ReserveCode(ctx context.Context, cs CodeSend) (CodeReservation, error) {
	res := CodeReservation{CodeHash: cs.CodeHash}
	if cs.DailyCap > 0 {
		res.Day = cs.Now.UTC().Format(time.DateOnly)
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := ensureChallenge(ctx, tx.conn, cs.OrgID, cs.RecipientID); err != nil {
			return err
		}
		prev, err := tx.Challenge(ctx, cs.OrgID, cs.RecipientID)
		if err != nil {
			return err
		}
		res.Previous = prev
		if err := tx.replaceCode(ctx, cs, prev); err != nil {
			return err
		}
		if err := tx.checkHourly(ctx, cs); err != nil {
			return err
		}
		if err := tx.countDaily(ctx, cs, res.Day); err != nil {
			return err
		}
		res.SendID, err = tx.insert(ctx, `INSERT INTO sms_sends (org_id, recipient_id, sent_at) VALUES (?, ?, ?)`,
			cs.OrgID, cs.RecipientID, micros(cs.Now))
		return err
	})
	return res, err
}

// replaceCode installs the new code unless locked or within the cooldown;
// prev's send time guards against a concurrent replacement.
func (t *Tx) replaceCode(ctx context.Context, cs CodeSend, prev Challenge) error {
	if prev.Locked() || prev.Failures >= cs.MaxFailures {
		return &SendRefusal{Reason: RefusedLocked}
	}
	if next := prev.CodeSentAt.Add(cs.Cooldown); !prev.CodeSentAt.IsZero() && cs.Now.Before(next) {
		return &SendRefusal{Reason: RefusedCooldown, Until: next}
	}
	res, err := t.exec(ctx, `UPDATE recipient_challenges SET code_hash = ?, code_expires_at = ?, code_failures = 0, code_sent_at = ?
		WHERE org_id = ? AND recipient_id = ? AND locked_at IS NULL AND code_sent_at = ?`,
		cs.CodeHash, micros(cs.Now.Add(cs.TTL)), micros(cs.Now), cs.OrgID, cs.RecipientID, zeroMicros(prev.CodeSentAt))
	if err := t.s.expectOne(res, err); err != nil {
		if errors.Is(err, ErrNotFound) { // another request sent one just now
			return &SendRefusal{Reason: RefusedCooldown, Until: cs.Now.Add(cs.Cooldown)}
		}
		return fmt.Errorf("recording a code: %w", err)
	}
	return nil
}

func (t *Tx) checkHourly(ctx context.Context, cs CodeSend) error {
	n, oldest, err := sendsSince(ctx, t.conn, cs.OrgID, cs.RecipientID, cs.Now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if n >= cs.PerHour {
		return &SendRefusal{Reason: RefusedHourly, Until: oldest.Add(time.Hour)}
	}
	return nil
}

// countDaily raises the organisation's counter for day if it is under the
// cap; a mailed code (no day) is not counted.
func (t *Tx) countDaily(ctx context.Context, cs CodeSend, day string) error {
	if day == "" {
		return nil
	}
	if _, err := t.exec(ctx, `INSERT INTO sms_daily (org_id, day, sent) VALUES (?, ?, 0) ON CONFLICT (org_id, day) DO NOTHING`,
		cs.OrgID, day); err != nil {
		return fmt.Errorf("counting texts: %w", err)
	}
	res, err := t.exec(ctx, `UPDATE sms_daily SET sent = sent + 1 WHERE org_id = ? AND day = ? AND sent < ?`, cs.OrgID, day, cs.DailyCap)
	if err := t.s.expectOne(res, err); err != nil {
		if errors.Is(err, ErrNotFound) {
			return &SendRefusal{Reason: RefusedDaily}
		}
		return fmt.Errorf("counting texts: %w", err)
	}
	return nil
}

// ReleaseCode undoes a reservation whose text the gateway did not take:
// the previous code is live again (if no newer one replaced this one),
// and the text counts against no limit.
func (s *Store) ReleaseCode(ctx context.Context, orgID, recipientID int64, r CodeReservation) error {
	return s.InTx(ctx, func(tx *Tx) error {
		p := r.Previous
		if _, err := tx.exec(ctx, `UPDATE recipient_challenges SET code_hash = ?, code_expires_at = ?, code_failures = ?, code_sent_at = ?
			WHERE org_id = ? AND recipient_id = ? AND code_hash = ?`, p.CodeHash, zeroMicros(p.CodeExpiresAt), p.CodeFailures,
			zeroMicros(p.CodeSentAt), orgID, recipientID, r.CodeHash); err != nil {
			return fmt.Errorf("restoring the previous code: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sms_sends WHERE id = ? AND org_id = ?`, r.SendID, orgID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE sms_daily SET sent = sent - 1 WHERE org_id = ? AND day = ? AND sent > 0`, orgID, r.Day)
		return err
	})
}

// SMSSendsSince counts the texts sent to a recipient since a time and
// returns the oldest of them.
func (s *Store) SMSSendsSince(ctx context.Context, orgID, recipientID int64, since time.Time) (int, time.Time, error) {
	return sendsSince(ctx, s.reader(), orgID, recipientID, since)
}

func sendsSince(ctx context.Context, c conn, orgID, recipientID int64, since time.Time) (int, time.Time, error) {
	var n int
	var oldest *int64
	err := c.queryRow(ctx, `SELECT COUNT(*), MIN(sent_at) FROM sms_sends WHERE org_id = ? AND recipient_id = ? AND sent_at > ?`,
		orgID, recipientID, micros(since)).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("counting texts: %w", mapError(err))
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, fromMicros(*oldest), nil
}

// SMSSentOn returns how many texts an organisation sent on a UTC day
// (time.DateOnly).
func (s *Store) SMSSentOn(ctx context.Context, orgID int64, day string) (int, error) {
	var n int
	err := s.reader().queryRow(ctx, `SELECT COALESCE(SUM(sent), 0) FROM sms_daily WHERE org_id = ? AND day = ?`, orgID, day).Scan(&n)
	return n, mapError(err)
}
