package db

import (
	"context"
	"fmt"
	"sync"
)

// Audit events are committed in groups. Every page a recipient opens,
// every file downloaded and every sign-in appends an event, and on SQLite
// (synchronous=FULL) each commit is an fsync: one transaction per event
// made the audit log the largest cost of a verified read. Events appended
// at the same time now share one transaction; each caller still returns
// only after its own event is committed, so an event is never reported
// written and then lost. A failed group is retried one event at a time,
// so one bad event fails only its own caller.
//
// Only on SQLite, whose one writer makes concurrent commits wait for each
// other anyway. PostgreSQL commits concurrent transactions in parallel
// and flushes their WAL together; a group there would be BEGIN, the
// inserts and COMMIT one round trip after another on one connection,
// which measured slower than parallel single inserts (docs/bench-portal.md).

// maxAuditBatch bounds one group.
const maxAuditBatch = 64

type auditReq struct {
	ctx  context.Context
	e    AuditEvent
	args []any
	done chan error
}

// auditBatcher gathers concurrent appends. No goroutine runs while it is
// idle: the append that finds it idle starts one that commits what has
// gathered, group after group, and ends when nothing is left.
type auditBatcher struct {
	mu      sync.Mutex
	pending []auditReq
	running bool
}

// AppendAudit adds an event to the organisation's audit log, committed
// when it returns. The log is append-only: no method changes or removes
// an event.
func (s *Store) AppendAudit(ctx context.Context, e AuditEvent) error {
	if s.dialect == Postgres {
		if _, err := s.writer().exec(ctx, auditInsert, auditArgs(s, e)...); err != nil {
			return fmt.Errorf("writing audit event %s: %w", e.Kind, err)
		}
		return nil
	}
	req := auditReq{ctx: ctx, e: e, args: auditArgs(s, e), done: make(chan error, 1)}
	b := &s.audit
	b.mu.Lock()
	b.pending = append(b.pending, req)
	if !b.running {
		b.running = true
		go s.drainAudit()
	}
	b.mu.Unlock()
	// Once queued, wait for the outcome even if ctx ends: the event may be
	// committed, and the caller must not report it missing.
	return <-req.done
}

// drainAudit commits the gathered events until none are left.
func (s *Store) drainAudit() {
	b := &s.audit
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxAuditBatch)
		if n == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()
		s.commitAudit(batch)
	}
}

// commitAudit writes one group in one transaction, or each event alone
// when the group fails.
func (s *Store) commitAudit(batch []auditReq) {
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- fmt.Errorf("writing audit event %s: %w", r.e.Kind, err)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 {
		err := s.InTx(context.Background(), func(tx *Tx) error {
			for _, r := range live {
				if _, err := tx.exec(r.ctx, auditInsert, r.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, r := range live {
				r.done <- nil
			}
			return
		}
	}
	for _, r := range live { // alone, or the group failed: one at a time
		if _, err := s.writer().exec(r.ctx, auditInsert, r.args...); err != nil {
			r.done <- fmt.Errorf("writing audit event %s: %w", r.e.Kind, err)
			continue
		}
		r.done <- nil
	}
}
