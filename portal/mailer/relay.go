package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Relay delivers mail through an SMTP relay. It keeps a few sessions open
// between sends and carries many mails on each (pool.go); Close says
// goodbye to them.
type Relay struct {
	cfg      RelayConfig
	mailFrom string
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	pool     *pool
}

var _ Sender = (*Relay)(nil)

// NewRelay returns a Relay that sends from the envelope sender mailFrom.
func NewRelay(cfg RelayConfig, mailFrom string) *Relay {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.HeloName == "" {
		cfg.HeloName = "localhost"
		if at := strings.LastIndexByte(mailFrom, '@'); at >= 0 && at < len(mailFrom)-1 {
			cfg.HeloName = mailFrom[at+1:]
		}
	}
	return &Relay{cfg: cfg, mailFrom: mailFrom, dial: (&net.Dialer{}).DialContext,
		pool: newPool(cfg.MaxConns, cfg.IdleTimeout)}
}

// Close ends the idle sessions; a Send after Close still works, on a
// session of its own that it closes afterwards.
func (r *Relay) Close() error {
	r.pool.close()
	return nil
}

// Send delivers m in one SMTP transaction. A 4xx for any recipient aborts
// the transaction with a TemporaryError, so the job retries the whole
// message (the simplest behaviour that never delivers twice by design);
// 5xx recipients are listed in Result.Rejected while the others get the
// message. If every recipient is refused, the error is a PermanentError and
// Result.Rejected lists them all. A failure after the final dot of DATA is
// temporary, so a lost reply can, rarely, deliver a message twice.
//
// Send returns right after the relay's 250 for the message: the session
// goes back to the pool without QUIT, so nothing delays the caller's
// record that the mail was sent (every round trip before that record is a
// window in which a crash makes a retry send the mail again).
func (r *Relay) Send(ctx context.Context, m *Message) (Result, error) {
	raw, id, err := render(m, time.Now(), r.mailFrom)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	if err := r.pool.acquire(ctx); err != nil {
		return Result{}, classify(ctx, StageConnect, err)
	}
	defer r.pool.release()
	s, err := r.session(ctx)
	if err != nil {
		return Result{}, err
	}
	rejected, reply, err := r.deliver(ctx, s.c, envelope(m.To), raw)
	if err != nil {
		s.abandon()
		return Result{Rejected: rejected}, err
	}
	if !s.conn.unbind() { // ctx ended as the 250 came: the connection is gone
		s.abandon()
	} else {
		r.pool.put(s)
	}
	return Result{MessageID: id, Rejected: rejected, Reply: reply}, nil
}

// session returns a pooled session that answers RSET, or a new one; either
// is bound to ctx.
func (r *Relay) session(ctx context.Context) (*session, error) {
	for s := r.pool.take(); s != nil; s = r.pool.take() {
		if err := s.conn.bind(ctx); err != nil {
			s.abandon()
			continue
		}
		if err := s.c.Reset(); err != nil {
			s.abandon() // dropped by the relay while idle, most likely
			continue
		}
		return s, nil
	}
	return r.open(ctx)
}

func envelope(to []Address) []string {
	addrs := make([]string, len(to))
	for i, a := range to {
		addrs[i] = a.Addr
	}
	return addrs
}

// deliver runs MAIL, RCPT for each recipient, and DATA, and returns the
// relay's reply to the final dot.
func (r *Relay) deliver(ctx context.Context, c *smtp.Client, to []string, raw []byte) ([]Rejection, string, error) {
	if err := c.Mail(r.mailFrom, &smtp.MailOptions{Size: int64(len(raw))}); err != nil {
		return nil, "", classify(ctx, StageMail, err)
	}
	rejected, err := rcptAll(ctx, c, to)
	if err != nil {
		return nil, "", err
	}
	if len(rejected) == len(to) {
		first := rejected[0]
		return rejected, "", &PermanentError{Stage: StageRcpt, Code: first.Code,
			Err: fmt.Errorf("every recipient was refused, first with %d %s", first.Code, first.Text)}
	}
	reply, err := writeData(c, raw)
	if err != nil {
		return nil, "", classify(ctx, StageData, err)
	}
	return rejected, reply, nil
}

// rcptAll collects permanent refusals; any other failure ends the attempt.
func rcptAll(ctx context.Context, c *smtp.Client, to []string) ([]Rejection, error) {
	var rejected []Rejection
	for _, addr := range to {
		err := c.Rcpt(addr, nil)
		var se *smtp.SMTPError
		switch {
		case err == nil:
		case errors.As(err, &se) && permanentRcpt(se):
			rejected = append(rejected, Rejection{Addr: addr, Code: se.Code, Text: replyText(se)})
		default:
			return nil, classify(ctx, StageRcpt, err)
		}
	}
	return rejected, nil
}

// permanentRcpt: RFC 5321 §4.5.3.1.10 asks clients to treat 552 at RCPT
// (the old "too many recipients") as temporary.
func permanentRcpt(se *smtp.SMTPError) bool {
	return se.Code/100 == 5 && se.Code != 552
}

func replyText(se *smtp.SMTPError) string {
	if e := se.EnhancedCode; e[0] > 0 {
		return fmt.Sprintf("%d.%d.%d %s", e[0], e[1], e[2], se.Message)
	}
	return se.Message
}

// writeData sends the message and returns the relay's reply text (the
// proof of delivery shows it: relays put their queue id there).
func writeData(c *smtp.Client, raw []byte) (string, error) {
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return "", err
	}
	res, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return "250 " + res.StatusText, nil
}
