package delivery

import (
	"context"
	"errors"
	"testing"

	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/portal/mime"
	"sluis/portal/policy"
)

// txJobs is a job queue that writes each job in the caller's transaction,
// so that a rolled-back release leaves no job behind, as River's does.
type txJobs struct{}

func (txJobs) InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	_, err := tx.SQL().ExecContext(ctx, `INSERT INTO test_jobs (kind) VALUES (?)`, args.Kind())
	return err
}

// exec runs a statement on the fixture's database.
func (f *fixture) exec(t *testing.T, query string) {
	t.Helper()
	if err := f.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.SQL().ExecContext(ctx, query)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (f *fixture) count(t *testing.T, query string) int {
	t.Helper()
	var n int
	if err := f.store.DB().QueryRowContext(ctx, query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// withPolicy gives the fixture the units' policy and a queue that writes
// its jobs in the transaction.
func withPolicy(t *testing.T, f *fixture) *policy.Service {
	t.Helper()
	pol := policy.New(f.store)
	f.svc.opt.Policy, f.svc.opt.Jobs = pol, txJobs{}
	f.exec(t, `CREATE TABLE test_jobs (kind TEXT NOT NULL)`)
	return pol
}

func (f *fixture) submit(t *testing.T, to string) error {
	t.Helper()
	msg := &mime.Message{Subject: "Uitslag", Text: "Beste,", To: []mime.Address{{Addr: to}}}
	return f.svc.Submit(ctx, &Incoming{User: f.sender, Rcpts: []string{to}, Message: msg, Size: 10})
}

// TestPolicyReadFailureFailsClosed: without the unit's policy nothing is
// decided on defaults; a submission and a draft's release fail with a
// temporary ErrUnavailable and change nothing.
func TestPolicyReadFailureFailsClosed(t *testing.T) {
	f := newFixture(t)
	withPolicy(t, f)
	if err := f.submit(t, "x@example.com"); err != nil { // held: no data
		t.Fatal(err)
	}
	f.put(t, db.OrgBook(f.org.ID), "y@example.com", "+31612345678", "")
	jobs := f.count(t, `SELECT COUNT(*) FROM test_jobs`) // the "not sent" mail
	f.exec(t, `ALTER TABLE unit_settings RENAME TO unit_settings_gone`)

	err := f.submit(t, "y@example.com")
	var temp interface{ Temporary() bool }
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &temp) || !temp.Temporary() {
		t.Errorf("Submit = %v, want a temporary ErrUnavailable", err)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM messages`); n != 1 {
		t.Errorf("%d messages, want only the held draft", n)
	}
	draft, _ := f.only(t)
	err = f.svc.CompleteDraft(ctx, f.sender, draft.UID, Completion{Entries: []DraftEntry{{RecipientID: 1, Phone: "+31612345679"}}})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("CompleteDraft = %v, want ErrUnavailable", err)
	}
	if m, _ := f.only(t); m.State != db.StateHeld {
		t.Errorf("draft state = %s", m.State)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM test_jobs`); n != jobs {
		t.Errorf("%d jobs enqueued", n-jobs)
	}
}

// TestCompleteDraftIsOneTransaction: the receipt request, the data, the
// release, the saved entry, the jobs and the audit event commit together;
// when the audit event cannot be written, the draft stays as it was.
func TestCompleteDraftIsOneTransaction(t *testing.T) {
	f := newFixture(t)
	pol := withPolicy(t, f)
	if err := pol.Set(ctx, f.org.ID, f.org.RootUnit, policy.ReadReceipts, policy.ReceiptsAny, "test"); err != nil {
		t.Fatal(err)
	}
	if err := f.submit(t, "x@example.com"); err != nil {
		t.Fatal(err)
	}
	draft, rs := f.only(t)
	jobs := f.count(t, `SELECT COUNT(*) FROM test_jobs`) // the "not sent" mail
	done := Completion{Entries: []DraftEntry{{RecipientID: rs[0].ID, Phone: "06 12345678", SaveTo: SavePersonal}}, Receipt: true, IP: "192.0.2.1"}
	personal := db.PersonalBook(f.org.ID, f.sender.ID)

	f.exec(t, `ALTER TABLE audit_events RENAME TO audit_events_gone`)
	if err := f.svc.CompleteDraft(ctx, f.sender, draft.UID, done); err == nil {
		t.Fatal("released without its audit event")
	}
	m, rs := f.only(t)
	_, cerr := f.store.Contact(ctx, personal, "x@example.com")
	if m.State != db.StateHeld || m.ReceiptTo != "" || rs[0].Problem == "" || !errors.Is(cerr, db.ErrNotFound) ||
		f.count(t, `SELECT COUNT(*) FROM test_jobs`) != jobs {
		t.Errorf("a failed release left state %s, receipt %q, problem %q, contact %v, %d jobs", m.State, m.ReceiptTo, rs[0].Problem, cerr,
			f.count(t, `SELECT COUNT(*) FROM test_jobs`)-jobs)
	}

	f.exec(t, `ALTER TABLE audit_events_gone RENAME TO audit_events`)
	if err := f.svc.CompleteDraft(ctx, f.sender, draft.UID, done); err != nil {
		t.Fatal(err)
	}
	m, rs = f.only(t)
	c, cerr := f.store.Contact(ctx, personal, "x@example.com")
	if m.State != db.StateReleased || m.ReceiptTo != f.sender.Email || rs[0].Phone != "+31612345678" || cerr != nil || c.Phone != "+31612345678" ||
		f.count(t, `SELECT COUNT(*) FROM test_jobs WHERE kind = 'notify_recipient'`) != 1 {
		t.Errorf("released: state %s, receipt %q, phone %q, contact %+v %v", m.State, m.ReceiptTo, rs[0].Phone, c, cerr)
	}
	events, err := f.store.AuditEvents(ctx, f.org.ID, db.AuditQuery{Kind: "draft.release", Limit: 10})
	if err != nil || len(events) != 1 || events[0].Target != "message:"+draft.UID || events[0].ActorID != f.sender.ID || events[0].IP != "192.0.2.1" {
		t.Errorf("audit = %+v, %v", events, err)
	}
}
