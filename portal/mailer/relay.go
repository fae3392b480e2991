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

// Relay delivers mail through an SMTP relay. Each Send opens its own
// connection (two when the relay lacks STARTTLS, see openStartTLS): simple,
// and enough for notification volumes; a pool can come later.
type Relay struct {
	cfg      RelayConfig
	mailFrom string
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
}

var _ Sender = (*Relay)(nil)

// NewRelay returns a Relay that sends from the envelope sender mailFrom.
func NewRelay(cfg RelayConfig, mailFrom string) *Relay {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.HeloName == "" {
		cfg.HeloName = "localhost"
		if at := strings.LastIndexByte(mailFrom, '@'); at >= 0 && at < len(mailFrom)-1 {
			cfg.HeloName = mailFrom[at+1:]
		}
	}
	return &Relay{cfg: cfg, mailFrom: mailFrom, dial: (&net.Dialer{}).DialContext}
}

// Send delivers m in one SMTP transaction. A 4xx for any recipient aborts
// the transaction with a TemporaryError, so the job retries the whole
// message (the simplest behaviour that never delivers twice by design);
// 5xx recipients are listed in Result.Rejected while the others get the
// message. If every recipient is refused, the error is a PermanentError and
// Result.Rejected lists them all. A failure after the final dot of DATA is
// temporary, so a lost reply can, rarely, deliver a message twice.
func (r *Relay) Send(ctx context.Context, m *Message) (Result, error) {
	raw, id, err := render(m, time.Now(), r.mailFrom)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	c, err := r.open(ctx)
	if err != nil {
		cancel()
		return Result{}, err
	}
	rejected, reply, err := r.deliver(ctx, c, envelope(m.To), raw)
	if err != nil {
		_ = c.Close()
		cancel()
		return Result{Rejected: rejected}, err
	}
	// The relay has the message. Say goodbye without keeping the caller
	// waiting: the job records "sent" right after the 250, and every round
	// trip before that record is a window in which a crash makes the retry
	// send the mail again. A failed goodbye changes nothing; the timeout
	// bounds it.
	go func() {
		defer cancel()
		_ = c.Quit()
		_ = c.Close() // after Quit this only reports "already closed"
	}()
	return Result{MessageID: id, Rejected: rejected, Reply: reply}, nil
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
