package receipts

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-message"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"sluis/db"
	"sluis/internal/testworld"
	"sluis/portal/mailer"
	"sluis/portal/policy"
)

// sent records the mail handed to the relay.
type sent struct {
	mu   sync.Mutex
	msgs []*mailer.Message
}

func (s *sent) Send(_ context.Context, m *mailer.Message) (mailer.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return mailer.Result{}, nil
}

// jobs records enqueued jobs.
type jobs struct{ args []river.JobArgs }

func (j *jobs) InsertTx(_ context.Context, _ *db.Tx, a river.JobArgs, _ *river.InsertOpts) error {
	j.args = append(j.args, a)
	return nil
}

const requested = "From: \"Dr. Anna Arts\" <arts@zkh.example>\nTo: %s\nSubject: Uitslag\nMessage-ID: <uitslag.1@zkh.example>\n" +
	"Disposition-Notification-To: arts@zkh.example\nMIME-Version: 1.0\nContent-Type: text/plain\n\nDe uitslag.\n"

type world struct {
	*testworld.World
	svc    *Service
	pol    *policy.Service
	jobs   *jobs
	mail   *sent
	reader db.User
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{World: testworld.New(t, nil, ""), jobs: &jobs{}, mail: &sent{}}
	w.pol = policy.New(w.Store)
	w.svc = New(Options{Store: w.Store, Policy: w.pol, Jobs: w.jobs, Mailer: w.mail, Vault: w.Vault, Text: w.Text,
		MailFrom: "sluis@zkh.example", BaseURL: "https://sluis.zkh.example", Now: w.Clock.Now, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	var err error
	w.reader, err = w.Store.CreateUser(ctx, db.NewUser{OrgID: w.Org.ID, Email: "lezer@zkh.example", Role: db.RoleSender})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Store.AddAlias(ctx, w.Org.ID, w.reader.ID, "afdeling@zkh.example"); err != nil {
		t.Fatal(err)
	}
	g, err := w.Store.CreateGroup(ctx, w.Org.ID, "iedereen@zkh.example", "Iedereen")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Store.AddGroupMember(ctx, w.Org.ID, g.ID, "lezer@zkh.example"); err != nil {
		t.Fatal(err)
	}
	w.AddPhone(t, "patient@example.com", "+31612345678")
	return w
}

func (w *world) set(t *testing.T, name, value string) {
	t.Helper()
	if err := w.pol.Set(context.Background(), w.Org.ID, w.Org.RootUnit, name, value, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestEvaluateAddressing runs the rule on real recipients: the reader's
// own address, an alias, a group, an external reader, and a second open.
func TestEvaluateAddressing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.set(t, policy.ReadReceipts, policy.ReceiptsInternal)
	w.set(t, policy.ReceiptAsk, "false")
	msg, rs := w.Submit(t, strings.ReplaceAll(requested, "%s", "lezer@zkh.example"),
		"lezer@zkh.example", "afdeling@zkh.example", "iedereen@zkh.example", "patient@example.com")
	if msg.ReceiptTo != "arts@zkh.example" {
		t.Fatalf("receipt_to %q", msg.ReceiptTo)
	}
	want := []Decision{Auto, None, None, Ask}
	for i, rc := range rs {
		if got, err := w.svc.Evaluate(ctx, msg, rc); err != nil || got != want[i] {
			t.Errorf("%s: %v %v, want %v", rc.Address, got, err, want[i])
		}
	}
	if ask, err := w.svc.Opened(ctx, msg, rs[0]); err != nil || ask {
		t.Fatalf("automatic open: ask %v, %v", ask, err)
	}
	if len(w.jobs.args) != 1 {
		t.Fatalf("%d jobs after an automatic receipt", len(w.jobs.args))
	}
	if got, _ := w.svc.Evaluate(ctx, msg, rs[0]); got != None {
		t.Errorf("a second open: %v", got)
	}
	if err := w.svc.Answer(ctx, msg, rs[1], true); !errors.Is(err, ErrNotAsked) {
		t.Errorf("answering for an alias: %v", err)
	}
	if err := w.svc.Answer(ctx, msg, rs[3], false); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Answer(ctx, msg, rs[3], true); !errors.Is(err, ErrNotAsked) {
		t.Errorf("answering twice: %v", err)
	}
	got, err := w.Store.ReadReceipts(ctx, w.Org.ID, msg.ID)
	if err != nil || got[rs[0].ID].State != db.ReceiptQueued || got[rs[3].ID].State != db.ReceiptDeclined || len(got) != 2 {
		t.Errorf("receipts %+v %v", got, err)
	}
}

// TestSendWorker runs the job: the relay gets an MDN for the requester
// naming the reader and the original Message-ID, and the receipt is sent.
func TestSendWorker(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.set(t, policy.ReadReceipts, policy.ReceiptsAny)
	msg, rs := w.Submit(t, strings.ReplaceAll(requested, "%s", "patient@example.com"), "patient@example.com")
	if err := w.svc.Answer(ctx, msg, rs[0], true); err != nil {
		t.Fatal(err)
	}
	args := w.jobs.args[0].(SendArgs)
	job := &river.Job[SendArgs]{JobRow: &rivertype.JobRow{}, Args: args}
	if err := (&sendWorker{s: w.svc}).Work(ctx, job); err != nil {
		t.Fatal(err)
	}
	if len(w.mail.msgs) != 1 || w.mail.msgs[0].To[0].Addr != "arts@zkh.example" {
		t.Fatalf("mail %+v", w.mail.msgs)
	}
	raw := w.mail.msgs[0].Raw
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, p, _ := e.Header.ContentType(); p["report-type"] != "disposition-notification" {
		t.Errorf("content type %v", p)
	}
	mr := e.MultipartReader()
	var report, human []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch ct, _, _ := p.Header.ContentType(); ct {
		case "message/disposition-notification":
			report, _ = io.ReadAll(p.Body)
		case "text/plain":
			human, _ = io.ReadAll(p.Body)
		}
	}
	// The sender reads Dutch: the date is theirs too, in Amsterdam time.
	if want := "patient@example.com (2 maart 2026 om 10:00)"; !bytes.Contains(human, []byte(want)) {
		t.Errorf("human part lacks %q:\n%s", want, human)
	}
	for _, s := range []string{"Original-Message-ID: <uitslag.1@zkh.example>", "Final-Recipient: rfc822;patient@example.com",
		"Reporting-UA: sluis.zkh.example; Sluis", "manual-action/MDN-sent-manually; displayed"} {
		if !bytes.Contains(report, []byte(s)) {
			t.Errorf("report lacks %q:\n%s", s, report)
		}
	}
	rr, err := w.Store.ReceiptOf(ctx, w.Org.ID, rs[0].ID)
	if err != nil || rr.State != db.ReceiptSent || rr.SentAt.IsZero() {
		t.Errorf("after sending: %+v %v", rr, err)
	}
}

// TestRequestFromUnitWithReceiptsOff: the request is ignored.
func TestRequestFromUnitWithReceiptsOff(t *testing.T) {
	w := newWorld(t)
	msg, rs := w.Submit(t, strings.ReplaceAll(requested, "%s", "patient@example.com"), "patient@example.com")
	if ask, err := w.svc.Opened(context.Background(), msg, rs[0]); err != nil || ask || len(w.jobs.args) != 0 {
		t.Errorf("receipts off: ask %v, %v, %d jobs", ask, err, len(w.jobs.args))
	}
}
