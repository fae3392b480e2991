package intake

import (
	"bytes"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawClient speaks SMTP line by line, for conversations go-smtp's client
// will not have (BDAT, broken AUTH, dropped connections).
type rawClient struct {
	conn net.Conn
	*textproto.Conn
}

func rawDial(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	must(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	c := &rawClient{conn: conn, Conn: textproto.NewConn(conn)}
	c.expect(t, 220)
	return c
}

// cmd sends one line and expects a reply with code; it returns the text.
func (c *rawClient) cmd(t *testing.T, line string, code int) string {
	t.Helper()
	must(t, c.PrintfLine("%s", line))
	return c.expect(t, code)
}

// write sends bytes as they are.
func (c *rawClient) write(t *testing.T, s string) {
	t.Helper()
	_, err := c.W.WriteString(s)
	must(t, err)
	must(t, c.W.Flush())
}

// expect reads one (possibly multi-line) reply with the given code.
func (c *rawClient) expect(t *testing.T, code int) string {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, msg, err := c.ReadResponse(0)
	if err != nil && got == 0 {
		t.Fatalf("want %d, got error %v", code, err)
	}
	if got != code {
		t.Fatalf("want %d, got %d %s", code, got, msg)
	}
	return msg
}

// closed reports whether the server ended the connection (within 10 s).
func (c *rawClient) closed(t *testing.T) bool {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := c.ReadLine(); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return false
			}
			return true
		}
	}
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sleeps records the delays the server asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) add(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
}

func (s *sleeps) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for _, d := range s.d {
		parts = append(parts, d.String())
	}
	return strings.Join(parts, ",")
}
