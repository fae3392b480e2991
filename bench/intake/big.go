package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// bigCase restarts Sluis (so its peak memory starts from an idle process)
// and submits one message with an attachment of o.bigMB megabytes,
// streamed, then reports Sluis's peak resident memory.
func bigCase(o options, s *sluisServer) error {
	s.proc.stop()
	if err := s.start(); err != nil {
		return err
	}
	idle := s.proc.vmHWM()
	size := int64(o.bigMB) << 20
	start := time.Now()
	sent, err := sendBig(s.smtp, size)
	if err != nil {
		return fmt.Errorf("the %d MB message: %w\n%s", o.bigMB, err, s.proc.tail())
	}
	took := time.Since(start)
	peak := s.proc.vmHWM()
	fmt.Printf("\nlarge message: one %d MiB attachment (%.1f MiB on the wire, base64) acknowledged by %s in %s (%.1f MiB/s)\n",
		o.bigMB, float64(sent)/(1<<20), s.name, took.Round(time.Millisecond), float64(sent)/(1<<20)/took.Seconds())
	fmt.Printf("  %s peak memory (VmHWM): %s idle after start, %s after the message (+%s); the peak is %.1f%% of the attachment's size\n",
		s.name, fmtKB(idle), fmtKB(peak), fmtKB(peak-idle), 100*float64(peak<<10)/float64(size))
	return nil
}

// sendBig submits a multipart message whose attachment is size bytes of
// incompressible data, generated while it is sent; it returns the bytes sent.
func sendBig(addr string, size int64) (int64, error) {
	c, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := c.Mail(benchSender, nil); err != nil {
		return 0, err
	}
	for _, r := range benchRcpts {
		if err := c.Rcpt(r, nil); err != nil {
			return 0, err
		}
	}
	w, err := c.Data()
	if err != nil {
		return 0, err
	}
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	fmt.Fprintf(bw, "From: %s\r\nTo: %s\r\nSubject: Scan\r\nMessage-ID: <big.%d@bench.test>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"The scan is attached.\r\n--b1\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Disposition: attachment; filename=\"scan.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		benchSender, strings.Join(benchRcpts, ", "), time.Now().UnixNano())
	if err := writeBase64(bw, size); err != nil {
		return 0, err
	}
	fmt.Fprint(bw, "\r\n--b1--\r\n")
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return cw.n, c.Quit()
}

// writeBase64 writes size random bytes as base64 in lines of 76.
func writeBase64(w io.Writer, size int64) error {
	rng := rand.New(rand.NewPCG(3, 4))
	raw := make([]byte, 57*1024) // 57 bytes make one 76-character line
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
	for size > 0 {
		n := min(int64(len(raw)), size)
		for i := range raw[:n] {
			raw[i] = byte(rng.Uint32())
		}
		base64.StdEncoding.Encode(enc, raw[:n])
		e := enc[:base64.StdEncoding.EncodedLen(int(n))]
		for len(e) > 0 {
			l := min(76, len(e))
			if _, err := w.Write(e[:l]); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "\r\n"); err != nil {
				return err
			}
			e = e[l:]
		}
		size -= n
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
