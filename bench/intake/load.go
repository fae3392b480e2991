package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// message is the bench's mail: fixed headers and body, with a fresh
// Message-ID for each one sent.
type message struct {
	head, body []byte
	seq        atomic.Int64
}

// words gives the text a realistic mix of Dutch, French and English, with
// the accented letters that make mail programs choose quoted-printable.
var words = strings.Fields(`de het een en van in is dat op te met voor niet zijn er aan ook als bij
	uitslag onderzoek afspraak patiënt behandeling ziekenhuis dossier verwijzing medicatie controle
	le la les des une pour dans avec résultat médecin rendez-vous été très déjà
	the results of your examination appointment please find attached regards kind follow-up`)

func newMessage(size int) *message {
	head := "From: Dr. B. Sender <" + benchSender + ">\r\nTo: " + strings.Join(benchRcpts, ", ") + "\r\n" +
		"Subject: Uitslag van uw onderzoek\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
	m := &message{head: []byte(head)}
	want := size - m.size() // the body's share
	m.body = bodyText(want)
	// Quoted-printable grows the text a little: shrink it to fit.
	m.body = bodyText(want * want / len(m.body))
	return m
}

// bodyText is about n bytes of text, quoted-printable with CRLF line ends.
func bodyText(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var text strings.Builder
	text.WriteString("Beste mevrouw Jansen,\n\n")
	for text.Len() < n-300 {
		for range 6 + rng.IntN(6) { // a paragraph of some lines
			for line := 0; line < 68; {
				w := words[rng.IntN(len(words))]
				text.WriteString(w + " ")
				line += len(w) + 1
			}
			text.WriteString("\n")
		}
		text.WriteString("\n")
	}
	text.WriteString("Met vriendelijke groet,\n\nDr. B. Sender\nZiekenhuis Bench\n")
	var body bytes.Buffer
	qp := quotedprintable.NewWriter(&body)
	_, _ = qp.Write([]byte(strings.ReplaceAll(text.String(), "\n", "\r\n")))
	_ = qp.Close()
	return body.Bytes()
}

// size is the size of one message as sent.
func (m *message) size() int {
	return len(m.head) + len("Message-ID: <1234567890@bench.test>\r\n\r\n") + len(m.body)
}

// next returns a reader of the next message, with its own Message-ID.
func (m *message) next() io.Reader {
	id := fmt.Sprintf("Message-ID: <%d.%d@bench.test>\r\n\r\n", time.Now().UnixNano(), m.seq.Add(1))
	return io.MultiReader(bytes.NewReader(m.head), strings.NewReader(id), bytes.NewReader(m.body))
}

// result is what one round achieved.
type result struct {
	acked, failed int64
	elapsed       time.Duration
	cpu           time.Duration // the server process's CPU time, when known
	firstErr      error
}

func (r result) rate() float64 { return float64(r.acked) / r.elapsed.Seconds() }

// cpuPerMsg is the server's CPU milliseconds per acknowledged message.
func (r result) cpuPerMsg() float64 {
	return float64(r.cpu) / float64(time.Millisecond) / float64(r.acked)
}

func (r result) String() string {
	s := fmt.Sprintf("%6d acked in %s = %7.1f msg/s", r.acked, r.elapsed.Round(time.Millisecond), r.rate())
	if r.cpu > 0 {
		s += fmt.Sprintf(", server CPU %.2f ms/msg", r.cpuPerMsg())
	}
	if r.failed > 0 {
		s += fmt.Sprintf(", %d failed (first: %v)", r.failed, r.firstErr)
	}
	return s
}

// drive sends messages to addr over conns connections for d. A round in
// which more messages fail than get through is an error.
func drive(addr string, conns int, d time.Duration, msg *message) (result, error) {
	var res result
	var mu sync.Mutex
	var acked, failed atomic.Int64
	// Sign in one connection after the other, before the clock starts:
	// Sluis's sign-in limiter counts an attempt as a failure until its
	// password is checked, so eight sign-ins to one account at once can
	// lock it out (the 454s of earlier runs).
	clients := make([]*smtp.Client, conns)
	for i := range clients {
		clients[i], _ = dial(addr) // a failed one is dialled again in the round
	}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			err := sendUntil(addr, c, deadline, msg, &acked, &failed)
			if err != nil {
				mu.Lock()
				if res.firstErr == nil {
					res.firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.acked, res.failed = acked.Load(), failed.Load()
	if res.acked == 0 || res.failed > res.acked {
		return res, fmt.Errorf("%d acked, %d failed; first error: %v", res.acked, res.failed, res.firstErr)
	}
	return res, nil
}

// sendUntil sends on one connection (c, or a new one when nil) until the deadline, dialling again
// after a failure; it returns the first error.
func sendUntil(addr string, c *smtp.Client, deadline time.Time, msg *message, acked, failed *atomic.Int64) error {
	var first error
	defer func() {
		if c != nil {
			_ = c.Quit()
		}
	}()
	for time.Now().Before(deadline) {
		var err error
		if c == nil {
			c, err = dial(addr)
		}
		if err == nil {
			err = c.SendMail(benchSender, benchRcpts, msg.next())
		}
		if err == nil {
			acked.Add(1)
			continue
		}
		failed.Add(1)
		if first == nil {
			first = err
		}
		if c != nil {
			_ = c.Close()
			c = nil
		}
	}
	return first
}

// dial connects and signs in with AUTH PLAIN (every server here allows it
// without TLS on loopback).
func dial(addr string) (*smtp.Client, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Hello("bench.test"); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := c.Auth(sasl.NewPlainClient("", benchSender, benchPassword)); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}
