package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Audit outcomes.
const (
	OutcomeOK     = "ok"
	OutcomeFailed = "failed"
	OutcomeDenied = "denied"
)

// AuditEvent is one entry of an organisation's audit log: who did what,
// when, from which address, and how it ended. Before and After hold the
// changed values (masked where they are personal data; never secrets).
type AuditEvent struct {
	ID      int64
	OrgID   int64
	At      time.Time
	ActorID int64  // the user, 0 for the system, an API key or a recipient
	Actor   string // "user:12 jan@…", "api-key:3 crm", "recipient:9", "system"
	Kind    string // "policy.change", "signin", "signin.failed", "draft.release", …
	Target  string // what it acted on: "unit:4", "recipient:9", …
	IP      string
	Outcome string
	Before  string
	After   string
	Detail  string
}

// AppendAudit adds an event inside a transaction, so the change and its
// record commit together.
func (t *Tx) AppendAudit(ctx context.Context, e AuditEvent) error {
	_, err := t.exec(ctx, auditInsert, auditArgs(t.s, e)...)
	if err != nil {
		return fmt.Errorf("writing audit event %s: %w", e.Kind, err)
	}
	return nil
}

const auditInsert = `INSERT INTO audit_events (org_id, at, actor_id, actor, kind, target, ip, outcome, before, after, detail)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func auditArgs(s *Store, e AuditEvent) []any {
	if e.At.IsZero() {
		e.At = s.now()
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeOK
	}
	var actorID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	return []any{e.OrgID, micros(e.At), actorID, clip(e.Actor), e.Kind, clip(e.Target), clip(e.IP), e.Outcome,
		clipLong(e.Before), clipLong(e.After), clipLong(e.Detail)}
}

func clipLong(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// AuditQuery filters an organisation's audit log.
type AuditQuery struct {
	From, To time.Time // zero: open
	Actor    string    // part of the actor, case-insensitive
	Kind     string    // exact kind, or a prefix ending in "." ("policy.")
	ID       int64     // one event by id (0: any)
	Limit    int       // default 100, at most 10,000
	Offset   int
}

// AuditEvents lists events of the organisation, newest first.
func (s *Store) AuditEvents(ctx context.Context, orgID int64, q AuditQuery) ([]AuditEvent, error) {
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 100
	}
	where, args := []string{"org_id = ?"}, []any{orgID}
	if !q.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, micros(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, micros(q.To))
	}
	if q.Actor != "" {
		where, args = append(where, `LOWER(actor) LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(strings.ToLower(q.Actor))+"%")
	}
	if q.ID != 0 {
		where, args = append(where, "id = ?"), append(args, q.ID)
	}
	if strings.HasSuffix(q.Kind, ".") {
		where, args = append(where, `kind LIKE ? ESCAPE '\'`), append(args, escapeLike(q.Kind)+"%")
	} else if q.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, q.Kind)
	}
	rows, err := s.reader().query(ctx, `SELECT id, org_id, at, COALESCE(actor_id, 0), actor, kind, target, ip, outcome, before, after, detail
		FROM audit_events WHERE `+strings.Join(where, " AND ")+` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
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
