package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The citizen's side of the secure channel: the page's settings, the
// challenges that prove a writer's address with a mailed code, and the
// messages written on the page. The rules (how long a code lives, how
// many may be sent) are portal/delivery's; the statements here apply
// them atomically, so that several instances cannot together pass a limit.

// RefusedNetwork: the writer's network had too many codes this hour.
const RefusedNetwork = "network"

// ChannelSettings returns an organisation's page settings; without a
// stored row, the defaults (on, the admins, no intro).
func (s *Store) ChannelSettings(ctx context.Context, orgID int64) (ChannelSettings, error) {
	cs := ChannelSettings{OrgID: orgID, Intro: map[string]string{}}
	var enabled, updated int64
	var nl, fr, en string
	err := mapError(s.reader().queryRow(ctx, `SELECT enabled, inbox, intro_nl, intro_fr, intro_en, updated_at
		FROM channel_settings WHERE org_id = ?`, orgID).Scan(&enabled, &cs.Inbox, &nl, &fr, &en, &updated))
	switch {
	case errors.Is(err, ErrNotFound):
		cs.Enabled = true
		return cs, nil
	case err != nil:
		return ChannelSettings{}, fmt.Errorf("channel settings of organisation %d: %w", orgID, err)
	}
	cs.Enabled, cs.UpdatedAt = enabled != 0, fromMicros(updated)
	for lang, text := range map[string]string{"nl": nl, "fr": fr, "en": en} {
		if text != "" {
			cs.Intro[lang] = text
		}
	}
	return cs, nil
}

// PutChannelSettings stores an organisation's page settings in the
// transaction (with the audit event the caller adds).
func (t *Tx) PutChannelSettings(ctx context.Context, cs ChannelSettings) error {
	_, err := t.exec(ctx, `INSERT INTO channel_settings (org_id, enabled, inbox, intro_nl, intro_fr, intro_en, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, inbox = excluded.inbox, intro_nl = excluded.intro_nl,
			intro_fr = excluded.intro_fr, intro_en = excluded.intro_en, updated_at = excluded.updated_at`,
		cs.OrgID, boolInt(cs.Enabled), cs.Inbox, cs.Intro["nl"], cs.Intro["fr"], cs.Intro["en"], micros(cs.UpdatedAt))
	if err != nil {
		return fmt.Errorf("storing channel settings of organisation %d: %w", cs.OrgID, err)
	}
	return nil
}

const channelChallengeColumns = `id, token_hash, org_id, address, network, code_hash, code_expires_at, code_sent_at,
	code_failures, failures, verified_at, created_at, expires_at`

func scanChannelChallenge(r scanner) (ChannelChallenge, error) {
	var c ChannelChallenge
	var codeExpires, sent, created, expires int64
	var verified *int64
	err := r.Scan(&c.ID, &c.TokenHash, &c.OrgID, &c.Address, &c.Network, &c.CodeHash, &codeExpires, &sent,
		&c.CodeFailures, &c.Failures, &verified, &created, &expires)
	c.CodeExpiresAt, c.CodeSentAt = fromZeroMicros(codeExpires), fromZeroMicros(sent)
	c.CreatedAt, c.ExpiresAt = fromMicros(created), fromMicros(expires)
	if verified != nil {
		c.VerifiedAt = fromMicros(*verified)
	}
	return c, mapError(err)
}

// CreateChannelChallenge stores a new challenge (no code yet) and fills
// in its id.
func (s *Store) CreateChannelChallenge(ctx context.Context, c *ChannelChallenge) error {
	var err error
	c.ID, err = s.writer().insert(ctx, `INSERT INTO channel_challenges (token_hash, org_id, address, network, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.TokenHash, c.OrgID, c.Address, c.Network, micros(c.CreatedAt), micros(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("creating a channel challenge: %w", err)
	}
	return nil
}

// ChannelChallengeByToken returns the organisation's challenge whose
// token hashes to tokenHash. An expired one is ErrNotFound, as is one of
// another organisation.
func (s *Store) ChannelChallengeByToken(ctx context.Context, orgID int64, tokenHash string, now time.Time) (ChannelChallenge, error) {
	c, err := scanChannelChallenge(s.reader().queryRow(ctx, `SELECT `+channelChallengeColumns+` FROM channel_challenges
		WHERE org_id = ? AND token_hash = ? AND expires_at > ?`, orgID, tokenHash, micros(now)))
	if err != nil {
		return ChannelChallenge{}, fmt.Errorf("channel challenge: %w", err)
	}
	return c, nil
}

func channelChallenge(ctx context.Context, c conn, orgID, id int64) (ChannelChallenge, error) {
	ch, err := scanChannelChallenge(c.queryRow(ctx, `SELECT `+channelChallengeColumns+` FROM channel_challenges
		WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return ChannelChallenge{}, fmt.Errorf("channel challenge %d: %w", id, err)
	}
	return ch, nil
}

// ChannelCodeSend is a new mailed code to record and the limits it must
// respect.
type ChannelCodeSend struct {
	OrgID, ChallengeID int64
	CodeHash           string
	Now                time.Time
	TTL                time.Duration // how long the code is valid
	Cooldown           time.Duration // least time between two codes of the challenge
	PerAddress         int           // most codes to one address of the organisation in any hour
	PerNetwork         int           // most codes asked from one network of the organisation in any hour
	DailyCap           int           // most code mails of the organisation per UTC day
}

// ChannelCodeReservation is a recorded code: the mail may now be sent.
// When the relay fails, ReleaseChannelCode undoes it.
type ChannelCodeReservation struct {
	SendID   int64
	Previous ChannelChallenge // the state before, restored by ReleaseChannelCode
	CodeHash string
}

// ReserveChannelCode makes cs.CodeHash the challenge's only live code and
// counts the mail against the cooldown, the hourly limits per address and
// per network and the organisation's daily cap, in one transaction. A
// refusal is a *SendRefusal (RefusedCooldown, RefusedHourly,
// RefusedNetwork, RefusedDaily); a verified or expired challenge is
// ErrNotFound.
func (s *Store) ReserveChannelCode(ctx context.Context, cs ChannelCodeSend) (ChannelCodeReservation, error) {
	res := ChannelCodeReservation{CodeHash: cs.CodeHash}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockOrg(ctx, cs.OrgID); err != nil {
			return err
		}
		prev, err := channelChallenge(ctx, tx.conn, cs.OrgID, cs.ChallengeID)
		if err != nil {
			return err
		}
		if !prev.VerifiedAt.IsZero() || !cs.Now.Before(prev.ExpiresAt) {
			return fmt.Errorf("channel challenge %d is over: %w", prev.ID, ErrNotFound)
		}
		res.Previous = prev
		if next := prev.CodeSentAt.Add(cs.Cooldown); !prev.CodeSentAt.IsZero() && cs.Now.Before(next) {
			return &SendRefusal{Reason: RefusedCooldown, Until: next}
		}
		if err := tx.channelLimits(ctx, cs, prev); err != nil {
			return err
		}
		expires := prev.ExpiresAt
		if codeEnds := cs.Now.Add(cs.TTL); codeEnds.After(expires) {
			expires = codeEnds // a code outlives its challenge's start
		}
		err = tx.s.expectOne(tx.exec(ctx, `UPDATE channel_challenges SET code_hash = ?, code_expires_at = ?, code_failures = 0,
			code_sent_at = ?, expires_at = ? WHERE org_id = ? AND id = ? AND code_sent_at = ?`,
			cs.CodeHash, micros(cs.Now.Add(cs.TTL)), micros(cs.Now), micros(expires), cs.OrgID, cs.ChallengeID, zeroMicros(prev.CodeSentAt)))
		if errors.Is(err, ErrNotFound) { // another request sent one just now
			return &SendRefusal{Reason: RefusedCooldown, Until: cs.Now.Add(cs.Cooldown)}
		}
		if err != nil {
			return fmt.Errorf("recording a channel code: %w", err)
		}
		res.SendID, err = tx.insert(ctx, `INSERT INTO channel_code_sends (org_id, address, network, sent_at) VALUES (?, ?, ?, ?)`,
			cs.OrgID, prev.Address, prev.Network, micros(cs.Now))
		return err
	})
	return res, err
}

// channelLimits refuses a code over the hourly limit of the address or of
// the network, or over the organisation's daily cap.
func (t *Tx) channelLimits(ctx context.Context, cs ChannelCodeSend, c ChannelChallenge) error {
	hourAgo := micros(cs.Now.Add(-time.Hour))
	var n int
	var oldest *int64
	err := t.queryRow(ctx, `SELECT COUNT(*), MIN(sent_at) FROM channel_code_sends WHERE org_id = ? AND address = ? AND sent_at > ?`,
		cs.OrgID, c.Address, hourAgo).Scan(&n, &oldest)
	if err != nil {
		return fmt.Errorf("counting an address's channel codes: %w", mapError(err))
	}
	if n >= cs.PerAddress {
		r := &SendRefusal{Reason: RefusedHourly}
		if oldest != nil {
			r.Until = fromMicros(*oldest).Add(time.Hour)
		}
		return r
	}
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM channel_code_sends WHERE org_id = ? AND network = ? AND sent_at > ?`,
		cs.OrgID, c.Network, hourAgo).Scan(&n); err != nil {
		return fmt.Errorf("counting a network's channel codes: %w", mapError(err))
	}
	if n >= cs.PerNetwork {
		return &SendRefusal{Reason: RefusedNetwork}
	}
	day := cs.Now.UTC().Truncate(24 * time.Hour)
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM channel_code_sends WHERE org_id = ? AND sent_at >= ?`,
		cs.OrgID, micros(day)).Scan(&n); err != nil {
		return fmt.Errorf("counting an organisation's channel codes: %w", mapError(err))
	}
	if n >= cs.DailyCap {
		return &SendRefusal{Reason: RefusedDaily, Until: day.Add(24 * time.Hour)}
	}
	return nil
}

// lockOrg makes the transactions that count an organisation's rows before
// adding one take turns on PostgreSQL (SQLite's one writer already does).
func (t *Tx) lockOrg(ctx context.Context, orgID int64) error {
	if t.s.dialect != Postgres {
		return nil
	}
	var id int64
	if err := t.queryRow(ctx, `SELECT id FROM organizations WHERE id = ? FOR UPDATE`, orgID).Scan(&id); err != nil {
		return fmt.Errorf("locking organisation %d: %w", orgID, mapError(err))
	}
	return nil
}

// ReleaseChannelCode undoes a reservation whose mail the relay did not
// take: the previous code is live again (unless a newer one replaced this
// one) and the mail counts against no limit.
func (s *Store) ReleaseChannelCode(ctx context.Context, orgID int64, r ChannelCodeReservation) error {
	return s.InTx(ctx, func(tx *Tx) error {
		p := r.Previous
		if _, err := tx.exec(ctx, `UPDATE channel_challenges SET code_hash = ?, code_expires_at = ?, code_failures = ?, code_sent_at = ?
			WHERE org_id = ? AND id = ? AND code_hash = ?`, p.CodeHash, zeroMicros(p.CodeExpiresAt), p.CodeFailures,
			zeroMicros(p.CodeSentAt), orgID, p.ID, r.CodeHash); err != nil {
			return fmt.Errorf("restoring the previous channel code: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM channel_code_sends WHERE org_id = ? AND id = ?`, orgID, r.SendID); err != nil {
			return fmt.Errorf("uncounting a channel code: %w", err)
		}
		return nil
	})
}

// ChargeChannelCode counts one entry of the live code as wrong before it
// is checked, if a live, unexpired code with fewer than maxTries wrong
// entries exists on an unverified challenge. ok is false otherwise, and
// nothing changes. Charging first makes the limit hold under concurrent
// guesses; a right guess then verifies the challenge (VerifyChannelCode).
func (s *Store) ChargeChannelCode(ctx context.Context, orgID, challengeID int64, now time.Time, maxTries int) (ChannelChallenge, bool, error) {
	c, err := scanChannelChallenge(s.writer().queryRow(ctx, `UPDATE channel_challenges
		SET code_failures = code_failures + 1, failures = failures + 1
		WHERE org_id = ? AND id = ? AND verified_at IS NULL AND code_hash <> '' AND code_expires_at > ? AND code_failures < ?
		RETURNING `+channelChallengeColumns, orgID, challengeID, micros(now), maxTries))
	if errors.Is(err, ErrNotFound) {
		c, err = channelChallenge(ctx, s.reader(), orgID, challengeID)
		return c, false, err
	}
	if err != nil {
		return ChannelChallenge{}, false, fmt.Errorf("charging a channel code: %w", err)
	}
	return c, true, nil
}

// VerifyChannelCode ends the live code whose hash is codeHash, takes back
// its charged entry and makes the challenge the writer's session until
// sessionEnds. ok is false when that code is no longer live (a concurrent
// request used it): a code verifies once.
func (s *Store) VerifyChannelCode(ctx context.Context, orgID, challengeID int64, codeHash string, now, sessionEnds time.Time) (bool, error) {
	res, err := s.writer().exec(ctx, `UPDATE channel_challenges SET code_hash = '', code_failures = code_failures - 1,
		failures = failures - 1, verified_at = ?, expires_at = ?
		WHERE org_id = ? AND id = ? AND code_hash = ? AND code_hash <> '' AND verified_at IS NULL`,
		micros(now), micros(sessionEnds), orgID, challengeID, codeHash)
	if err != nil {
		return false, fmt.Errorf("verifying channel challenge %d: %w", challengeID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// NewChannelMessage is a channel message with its attachments, inserted
// at once.
type NewChannelMessage struct {
	Message     ChannelMessage
	Attachments []ChannelAttachment
}

// InsertChannelMessage stores a channel message and its attachments in
// the transaction and fills in their ids.
func (t *Tx) InsertChannelMessage(ctx context.Context, nm *NewChannelMessage) error {
	m := &nm.Message
	var err error
	m.ID, err = t.insert(ctx, `INSERT INTO channel_messages (uid, org_id, address, name, subject, text_blob, size, network,
		created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.UID, m.OrgID, m.Address, m.Name, m.Subject, m.TextBlob,
		m.Size, m.Network, micros(m.CreatedAt), micros(m.ExpiresAt))
	if err != nil {
		return fmt.Errorf("inserting a channel message: %w", err)
	}
	for i := range nm.Attachments {
		a := &nm.Attachments[i]
		a.ChannelMessageID, a.OrgID, a.Position = m.ID, m.OrgID, i
		a.ID, err = t.insert(ctx, `INSERT INTO channel_attachments (channel_message_id, org_id, position, blob_id, filename,
			content_type, size) VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.OrgID, i, a.BlobID, a.Filename, a.ContentType, a.Size)
		if err != nil {
			return fmt.Errorf("inserting a channel attachment: %w", err)
		}
	}
	return nil
}

// ChannelCounts are the counts the limits on new channel messages read.
type ChannelCounts struct {
	Address int // messages of the address to the organisation since the window began
	Network int // messages from the network to the organisation since the window began
}

// CountChannelMessages counts an organisation's channel messages since a
// time from one address and from one network, after taking the
// organisation's turn (lockOrg), so that the count holds until the insert.
func (t *Tx) CountChannelMessages(ctx context.Context, orgID int64, address, network string, since time.Time) (ChannelCounts, error) {
	if err := t.lockOrg(ctx, orgID); err != nil {
		return ChannelCounts{}, err
	}
	return countChannelMessages(ctx, t.conn, orgID, address, network, since)
}

// ChannelMessageCounts is CountChannelMessages outside a transaction: the
// early check before an upload, which takes no writer's turn.
func (s *Store) ChannelMessageCounts(ctx context.Context, orgID int64, address, network string, since time.Time) (ChannelCounts, error) {
	return countChannelMessages(ctx, s.reader(), orgID, address, network, since)
}

func countChannelMessages(ctx context.Context, c conn, orgID int64, address, network string, since time.Time) (ChannelCounts, error) {
	var n ChannelCounts
	err := c.queryRow(ctx, `SELECT COUNT(*) FROM channel_messages WHERE org_id = ? AND address = ? AND created_at > ?`,
		orgID, address, micros(since)).Scan(&n.Address)
	if err != nil {
		return n, fmt.Errorf("counting an address's channel messages: %w", mapError(err))
	}
	err = c.queryRow(ctx, `SELECT COUNT(*) FROM channel_messages WHERE org_id = ? AND network = ? AND created_at > ?`,
		orgID, network, micros(since)).Scan(&n.Network)
	if err != nil {
		return n, fmt.Errorf("counting a network's channel messages: %w", mapError(err))
	}
	return n, nil
}

const channelMessageColumns = `id, uid, org_id, address, name, subject, text_blob, size, network, created_at, expires_at,
	read_at, answered_at, answered_by, answer_message_id`

func scanChannelMessage(r scanner) (ChannelMessage, error) {
	var m ChannelMessage
	var created, expires int64
	var read, answered, by, answer *int64
	err := r.Scan(&m.ID, &m.UID, &m.OrgID, &m.Address, &m.Name, &m.Subject, &m.TextBlob, &m.Size, &m.Network, &created, &expires,
		&read, &answered, &by, &answer)
	m.CreatedAt, m.ExpiresAt = fromMicros(created), fromMicros(expires)
	if read != nil {
		m.ReadAt = fromMicros(*read)
	}
	if answered != nil {
		m.AnsweredAt = fromMicros(*answered)
	}
	if by != nil {
		m.AnsweredBy = *by
	}
	if answer != nil {
		m.AnswerMessageID = *answer
	}
	return m, mapError(err)
}

// ChannelMessage returns one of the organisation's channel messages.
func (s *Store) ChannelMessage(ctx context.Context, orgID, id int64) (ChannelMessage, error) {
	m, err := scanChannelMessage(s.reader().queryRow(ctx, `SELECT `+channelMessageColumns+` FROM channel_messages
		WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return ChannelMessage{}, fmt.Errorf("channel message %d: %w", id, err)
	}
	return m, nil
}

// ChannelMessageByUID returns the organisation's channel message with this uid.
func (s *Store) ChannelMessageByUID(ctx context.Context, orgID int64, uid string) (ChannelMessage, error) {
	m, err := scanChannelMessage(s.reader().queryRow(ctx, `SELECT `+channelMessageColumns+` FROM channel_messages
		WHERE org_id = ? AND uid = ?`, orgID, uid))
	if err != nil {
		return ChannelMessage{}, fmt.Errorf("channel message: %w", err)
	}
	return m, nil
}

// ChannelAttachments lists a channel message's files in their order.
func (s *Store) ChannelAttachments(ctx context.Context, orgID, messageID int64) ([]ChannelAttachment, error) {
	return collect[ChannelAttachment](s.reader().query(ctx, `SELECT id, channel_message_id, org_id, position, blob_id, filename, content_type, size
		FROM channel_attachments WHERE org_id = ? AND channel_message_id = ? ORDER BY position`, orgID, messageID))(
		func(r scanner) (ChannelAttachment, error) {
			var a ChannelAttachment
			err := r.Scan(&a.ID, &a.ChannelMessageID, &a.OrgID, &a.Position, &a.BlobID, &a.Filename, &a.ContentType, &a.Size)
			return a, mapError(err)
		})
}

// ChannelPurge is what one purge removed.
type ChannelPurge struct {
	Messages   int
	Blobs      []string // the removed messages' blobs, for the caller to delete
	Challenges int
	CodeSends  int
}

// PurgeChannel removes, across organisations, up to limit channel
// messages expired by now (with their attachments), the challenges
// expired by now and the code mails sent before sendsBefore (once no
// limit counts them). It returns the blobs of the removed messages: once
// the rows are gone nothing references them, so a blob the caller fails
// to delete is the orphan sweeper's.
func (s *Store) PurgeChannel(ctx context.Context, now, sendsBefore time.Time, limit int) (ChannelPurge, error) {
	var p ChannelPurge
	err := s.InTx(ctx, func(tx *Tx) error {
		p = ChannelPurge{}
		type due struct {
			org, id int64
			blob    string
		}
		ms, err := collect[due](tx.query(ctx, `SELECT org_id, id, text_blob FROM channel_messages WHERE expires_at <= ?
			ORDER BY expires_at LIMIT ?`, micros(now), limit))(func(r scanner) (due, error) {
			var d due
			return d, r.Scan(&d.org, &d.id, &d.blob)
		})
		if err != nil {
			return fmt.Errorf("listing expired channel messages: %w", err)
		}
		for _, m := range ms {
			files, err := collect[string](tx.query(ctx, `SELECT blob_id FROM channel_attachments WHERE org_id = ? AND channel_message_id = ?`,
				m.org, m.id))(func(r scanner) (string, error) {
				var b string
				return b, r.Scan(&b)
			})
			if err != nil {
				return fmt.Errorf("listing channel attachments: %w", err)
			}
			if m.blob != "" {
				p.Blobs = append(p.Blobs, m.blob)
			}
			p.Blobs = append(p.Blobs, files...)
			if _, err := tx.exec(ctx, `DELETE FROM channel_attachments WHERE org_id = ? AND channel_message_id = ?`, m.org, m.id); err != nil {
				return fmt.Errorf("purging channel attachments: %w", err)
			}
			if _, err := tx.exec(ctx, `DELETE FROM channel_messages WHERE org_id = ? AND id = ?`, m.org, m.id); err != nil {
				return fmt.Errorf("purging channel message %d: %w", m.id, err)
			}
			p.Messages++
		}
		if p.Challenges, err = affected(tx.exec(ctx, `DELETE FROM channel_challenges WHERE expires_at <= ?`, micros(now))); err != nil {
			return fmt.Errorf("purging channel challenges: %w", err)
		}
		if p.CodeSends, err = affected(tx.exec(ctx, `DELETE FROM channel_code_sends WHERE sent_at < ?`, micros(sendsBefore))); err != nil {
			return fmt.Errorf("purging channel code mails: %w", err)
		}
		return nil
	})
	return p, err
}

// affected is the number of rows a statement changed.
func affected(res interface{ RowsAffected() (int64, error) }, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
