package sms

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// secretText is what every test sends: a code that must never leak.
const secretText = "Your Sluis code is 493817"

func testMessage() Message {
	return Message{To: "+31612345678", Text: secretText, Reference: "msg-42/rcpt-7"}
}

// captured is one request as the test server saw it.
type captured struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// recorder is a real HTTP server that answers every request with status
// and body and remembers what it got.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []captured
}

func newRecorder(t *testing.T, status int, body string) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, captured{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: b})
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(r.Close)
	return r
}

// only returns the single request the server got.
func (r *recorder) only(t *testing.T) captured {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(r.reqs))
	}
	return r.reqs[0]
}

// count returns how many requests the server got.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// hanging is a server that never answers until the test ends.
func hanging(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); s.Close() })
	return s
}

// refusedURL is an http URL on a loopback port nobody listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// logBuffer returns a logger writing JSON into the returned buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// assertClass checks that err is an *Error of the wanted kind and status.
func assertClass(t *testing.T, err error, temporary bool, status int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if e.Temporary != temporary || IsTemporary(err) != temporary {
		t.Errorf("err = %v: temporary = %v, want %v", err, e.Temporary, temporary)
	}
	if e.Status != status {
		t.Errorf("err = %v: status = %d, want %d", err, e.Status, status)
	}
}

// assertNoLeak logs err the way a caller would and checks that none of the
// secrets reach the log line.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	logger, buf := logBuffer()
	logger.ErrorContext(context.Background(), "sending text failed", "err", err)
	for _, s := range append(secrets, secretText, "493817", "+31612345678") {
		if bytes.Contains(buf.Bytes(), []byte(s)) {
			t.Errorf("log line %s contains %q", buf.Bytes(), s)
		}
	}
}
