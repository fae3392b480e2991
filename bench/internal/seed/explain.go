package seed

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sluis/db"
)

// hotQuery is one statement that intake, notification or the verified read
// runs for every message or request, as the db package writes it (with a
// column list shortened to *), and sample arguments.
type hotQuery struct {
	name, sql string
	args      func(s sample) []any
}

// sample is a seeded row to ask about.
type sample struct {
	org, sender, message, recipient int64
	token, email                    string
}

var hotQueries = []hotQuery{
	{"sign-in: user by address (UserByAddress)", `SELECT * FROM users WHERE lower(email) = lower(?) UNION ALL SELECT * FROM users WHERE id = (SELECT user_id FROM user_aliases WHERE lower(address) = lower(?))`,
		func(s sample) []any { return []any{s.email, s.email} }},
	{"policy: unit settings (UnitSettings)", `SELECT unit_id, name, value FROM unit_settings WHERE org_id = ?`,
		func(s sample) []any { return []any{s.org} }},
	{"resolve: address-book entry (Contact)", `SELECT * FROM contacts WHERE org_id = ? AND COALESCE(owner_user_id, 0) = ? AND email = ?`,
		func(s sample) []any { return []any{s.org, 0, s.email} }},
	{"supersede: held drafts (HeldDrafts)", `SELECT * FROM messages WHERE org_id = ? AND sender_id = ? AND state = 'held' ORDER BY created_at, id`,
		func(s sample) []any { return []any{s.org, s.sender} }},
	{"notify: message (Message)", `SELECT * FROM messages WHERE org_id = ? AND id = ?`,
		func(s sample) []any { return []any{s.org, s.message} }},
	{"notify: recipients (Recipients)", `SELECT * FROM recipients WHERE org_id = ? AND message_id = ? ORDER BY position`,
		func(s sample) []any { return []any{s.org, s.message} }},
	{"notify: sent record (MailSentAt)", `SELECT sent_at FROM mail_sent WHERE org_id = ? AND job_id = ? AND job_created = ? AND part = ?`,
		func(s sample) []any { return []any{s.org, 1, 1, s.recipient} }},
	{"notify: mark notified (MarkNotified)", `UPDATE recipients SET status = 'notified', status_at = 1, notified_at = 1 WHERE org_id = ? AND id = ?`,
		func(s sample) []any { return []any{s.org, s.recipient} }},
	{"read: recipient by link (RecipientByToken)", `SELECT * FROM recipients WHERE token_hash = ?`,
		func(s sample) []any { return []any{s.token} }},
	{"read: message by uid (MessageByUID)", `SELECT * FROM messages WHERE org_id = ? AND uid = ?`,
		func(s sample) []any { return []any{s.org, "x"} }},
	{"read: recipient session (RecipientSession)", `SELECT * FROM recipient_sessions WHERE id_hash = ?`,
		func(s sample) []any { return []any{"x"} }},
	{"sweep: is a blob referenced (BlobReferenced, for every blob older than an hour)", `SELECT (SELECT COUNT(*) FROM messages WHERE text_blob = ? OR html_blob = ? OR safe_html_blob = ?) + (SELECT COUNT(*) FROM attachments WHERE blob_id = ?)`,
		func(s sample) []any { return []any{"x", "x", "x", "x"} }},
	{"read: attachments (Attachments)", `SELECT * FROM attachments WHERE org_id = ? AND message_id = ? ORDER BY position`,
		func(s sample) []any { return []any{s.org, s.message} }},
}

// Explain writes the plan of every hot query on store (EXPLAIN QUERY PLAN
// on SQLite, EXPLAIN on PostgreSQL), for a seeded row of org domain.
func Explain(ctx context.Context, store *db.Store, domain, sender string, out io.Writer) error {
	s, err := pickSample(ctx, store, domain, sender)
	if err != nil {
		return err
	}
	pg := store.Dialect() == db.Postgres
	for _, q := range hotQueries {
		query := q.sql
		prefix := "EXPLAIN QUERY PLAN "
		if pg {
			query, prefix = dollars(query), "EXPLAIN "
		}
		rows, err := store.DB().QueryContext(ctx, prefix+query, q.args(s)...)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(out, "-- %s\n%s\n", q.name, q.sql)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			fmt.Fprintf(out, "   %v\n", planLine(vals, pg))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// planLine keeps the detail column of SQLite's plan, PostgreSQL's one.
func planLine(vals []any, pg bool) string {
	v := vals[len(vals)-1]
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pickSample(ctx context.Context, store *db.Store, domain, sender string) (sample, error) {
	org, err := store.OrgByDomain(ctx, domain)
	if err != nil {
		return sample{}, err
	}
	u, err := store.UserByAddress(ctx, sender)
	if err != nil {
		return sample{}, err
	}
	s := sample{org: org.ID, sender: u.ID, email: contactEmail(0)}
	q := `SELECT message_id, id, token_hash FROM recipients WHERE org_id = ? ORDER BY id DESC LIMIT 1`
	if store.Dialect() == db.Postgres {
		q = dollars(q)
	}
	err = store.DB().QueryRowContext(ctx, q, org.ID).Scan(&s.message, &s.recipient, &s.token)
	return s, err
}
