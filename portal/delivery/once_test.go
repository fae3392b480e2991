package delivery

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"

	"sluis/db"
	"sluis/db/dbtest"
	"sluis/portal/i18n"
	"sluis/portal/jobs"
	"sluis/portal/mailer"
	"sluis/portal/mime"
	"sluis/portal/vault"
)

// TestRetriedMailJobSendsNothingTwice runs the real job queue and a real
// relay on a loopback port. A mail job that got the relay's 250 is run
// again, as River runs a job whose process was killed before it recorded
// the job's completion: the relay gets nothing more, and the recipient
// whose notification went out before the kill is marked notified.
func TestRetriedMailJobSendsNothingTwice(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		q := startQueue(t, s)
		q.put(t, "p@example.com", "+31612345678")
		msg := &mime.Message{Subject: "Uitslag", Text: "Beste,", To: []mime.Address{{Addr: "p@example.com"}}}
		if err := q.svc.Submit(ctx, &Incoming{User: q.sender, Rcpts: []string{"p@example.com"}, Message: msg, Size: 100}); err != nil {
			t.Fatal(err)
		}
		notify := q.finished(t, "notify_message", 1)
		rc := q.recipient(t)
		if n := q.relay.count("p@example.com"); n != 1 || rc.Status != db.StatusNotified {
			t.Fatalf("first run: %d mails, status %s", n, rc.Status)
		}

		// Killed after the 250 and before the recipient was marked: the
		// retry marks them and sends nothing.
		q.exec(t, `UPDATE recipients SET status = 'pending', notified_at = NULL WHERE id = ?`, rc.ID)
		q.rerun(t, notify)
		if n := q.relay.count("p@example.com"); n != 1 {
			t.Errorf("the retried notification reached the relay again: %d mails", n)
		}
		if rc := q.recipient(t); rc.Status != db.StatusNotified || rc.NotifiedAt.IsZero() {
			t.Errorf("after the retry the recipient is %s (notified at %v)", rc.Status, rc.NotifiedAt)
		}

		// A sender's notification changes no state a retry could see:
		// only the record stops it.
		err := s.InTx(ctx, func(tx *db.Tx) error { return q.svc.NotifyLocked(ctx, tx, rc) })
		if err != nil {
			t.Fatal(err)
		}
		locked := q.finished(t, "notify_sender", 1)
		q.rerun(t, locked)
		if n := q.relay.count(q.sender.Email); n != 1 {
			t.Errorf("the sender got %d mails about one lock", n)
		}
	})
}

// queue is a delivery Service whose jobs run on the real queue and whose
// mail goes to a real relay.
type queue struct {
	store  *db.Store
	jobs   *jobs.Client
	svc    *Service
	relay  *countingRelay
	org    db.Org
	sender db.User
}

func startQueue(t testing.TB, s *db.Store) *queue {
	t.Helper()
	q := buildQueue(t, s)
	q.start(t)
	return q
}

// buildQueue is startQueue without starting the queue's workers.
func buildQueue(t testing.TB, s *db.Store) *queue {
	t.Helper()
	q := &queue{store: s, relay: startCountingRelay(t)}
	data := t.TempDir()
	keys, err := vault.LoadOrCreateKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := vault.NewFS(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	if q.org, err = s.CreateOrg(ctx, db.NewOrg{Name: "Ziekenhuis", Domains: []string{"zkh.nl"}}); err != nil {
		t.Fatal(err)
	}
	q.sender, err = s.CreateUser(ctx, db.NewUser{OrgID: q.org.ID, Email: "arts@zkh.nl", Role: db.RoleSender, DisplayName: "Dr. Arts"})
	if err != nil {
		t.Fatal(err)
	}
	late := &lateQueue{}
	relay := mailer.NewRelay(mailer.RelayConfig{Host: "127.0.0.1", Port: q.relay.port, Timeout: 10 * time.Second}, "sluis@zkh.nl")
	q.svc = New(Options{Store: s, Vault: vault.New(keys, fs), Keys: keys, Jobs: late, Mailer: relay,
		BaseURL: "https://sluis.zkh.nl", MailFrom: "sluis@zkh.nl", Text: tr, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(q.svc.Close)
	workers := river.NewWorkers()
	if err := q.svc.AddWorkers(workers); err != nil {
		t.Fatal(err)
	}
	if late.c, err = jobs.New(s, jobs.Options{Workers: workers, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	q.jobs = late.c
	return q
}

// start starts the queue's workers.
func (q *queue) start(t testing.TB) {
	t.Helper()
	if err := q.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := q.jobs.Stop(sctx); err != nil {
			t.Errorf("stopping the queue: %v", err)
		}
	})
}

// lateQueue lets the Service be built before the queue that runs its workers.
type lateQueue struct{ c *jobs.Client }

func (l *lateQueue) InsertTx(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if l.c == nil {
		return errors.New("the queue is not built yet")
	}
	return l.c.InsertTx(ctx, tx, args, opts)
}

func (q *queue) put(t testing.TB, email, phone string) {
	t.Helper()
	in := db.ContactInput{Email: email, Phone: &phone}
	if _, _, err := q.store.PutContact(ctx, db.OrgBook(q.org.ID), in, db.Change{Source: db.SourceManual, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (q *queue) recipient(t *testing.T) db.Recipient {
	t.Helper()
	rs, err := q.store.Recipients(ctx, q.org.ID, 1)
	if err != nil || len(rs) != 1 {
		t.Fatalf("recipients: %v (%d)", err, len(rs))
	}
	return rs[0]
}

func (q *queue) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := q.store.DB().ExecContext(ctx, rebindFor(q.store, query), args...); err != nil {
		t.Fatal(err)
	}
}

// rerun makes a finished job available again, with its id and creation
// time, as River's rescuer does for a job whose process died before it
// recorded the outcome, and waits until it has run a second time.
func (q *queue) rerun(t *testing.T, id int64) {
	t.Helper()
	q.exec(t, `UPDATE river_job SET state = 'available', finalized_at = NULL WHERE id = ?`, id)
	q.waitJob(t, id, 2)
}

// finished waits for the only job of kind to complete its attempt-th run
// and returns its id.
func (q *queue) finished(t *testing.T, kind string, attempt int) int64 {
	t.Helper()
	var id int64
	err := q.store.DB().QueryRowContext(ctx, rebindFor(q.store, `SELECT id FROM river_job WHERE kind = ?`), kind).Scan(&id)
	if err != nil {
		t.Fatalf("the %s job: %v", kind, err)
	}
	q.waitJob(t, id, attempt)
	return id
}

// waitJob waits until job id is completed after its attempt-th run.
func (q *queue) waitJob(t *testing.T, id int64, attempt int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		var n int
		err := q.store.DB().QueryRowContext(ctx, rebindFor(q.store, `SELECT state, attempt FROM river_job WHERE id = ?`), id).Scan(&state, &n)
		if err != nil {
			t.Fatal(err)
		}
		if state == "completed" && n == attempt {
			return
		}
		if n > attempt || time.Now().After(deadline) {
			t.Fatalf("job %d is %s after %d runs, want completed after %d", id, state, n, attempt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rebindFor(s *db.Store, query string) string {
	if s.Dialect() == db.Postgres {
		return rebindTest(query)
	}
	return query
}

// rebindTest numbers the ? placeholders of a test query for PostgreSQL.
func rebindTest(query string) string {
	var out []byte
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			out = append(out, query[i])
			continue
		}
		n++
		out = append(out, '$')
		out = strconv.AppendInt(out, int64(n), 10)
	}
	return string(out)
}

// countingRelay is a real SMTP server on a loopback port that counts the
// mails it accepts per recipient.
type countingRelay struct {
	port int
	mu   sync.Mutex
	to   map[string]int
}

func startCountingRelay(t testing.TB) *countingRelay {
	t.Helper()
	r := &countingRelay{to: map[string]int{}}
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 10
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.port = l.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

// total counts every mail the relay accepted.
func (r *countingRelay) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.to {
		n += c
	}
	return n
}

func (r *countingRelay) count(addr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.to[addr]
}

// NewSession implements smtp.Backend.
func (r *countingRelay) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &countingSession{r: r}, nil
}

type countingSession struct {
	r  *countingRelay
	to []string
}

func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *countingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, to := range s.to {
		s.r.to[to]++
	}
	return nil
}

func (s *countingSession) Reset()        { s.to = nil }
func (s *countingSession) Logout() error { return nil }

// TestMessageJobMailsEachRecipientOnce: one job notifies every recipient of
// a message, and each recipient's mail is recorded on its own. A rerun
// after a kill sends nothing to a recipient whose mail the relay took, and
// sends to the one the killed run never reached.
func TestMessageJobMailsEachRecipientOnce(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		q := startQueue(t, s)
		q.put(t, "a@example.com", "+31612345678")
		q.put(t, "b@example.com", "+31612345679")
		msg := &mime.Message{Subject: "Uitslag", Text: "Beste,", To: []mime.Address{{Addr: "a@example.com"}, {Addr: "b@example.com"}}}
		in := &Incoming{User: q.sender, Rcpts: []string{"a@example.com", "b@example.com"}, Message: msg, Size: 100}
		if err := q.svc.Submit(ctx, in); err != nil {
			t.Fatal(err)
		}
		notify := q.finished(t, "notify_message", 1)
		rs, err := s.Recipients(ctx, q.org.ID, 1)
		if err != nil || len(rs) != 2 || rs[0].Status != db.StatusNotified || rs[1].Status != db.StatusNotified {
			t.Fatalf("after the job: %+v, %v", rs, err)
		}
		// Killed after a's 250 and before b's mail was sent: b is pending
		// and has no record; a is pending again but has its record.
		q.exec(t, `UPDATE recipients SET status = 'pending', notified_at = NULL WHERE message_id = 1`)
		q.exec(t, `DELETE FROM mail_sent WHERE part = ?`, rs[1].ID)
		q.rerun(t, notify)
		if a, b := q.relay.count("a@example.com"), q.relay.count("b@example.com"); a != 1 || b != 2 {
			t.Errorf("after the rerun a got %d mails (want 1), b %d (want 2: the killed run never sent it)", a, b)
		}
		if rs, err = s.Recipients(ctx, q.org.ID, 1); err != nil || rs[0].Status != db.StatusNotified || rs[1].Status != db.StatusNotified {
			t.Errorf("after the rerun: %+v, %v", rs, err)
		}
	})
}
