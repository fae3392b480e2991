package intake

import (
	"context"
	"fmt"
	"io"
	"sync"

	"sluis/db"
	"sluis/portal/mime"
)

// fakeSubmitter records submissions and keeps attachment bytes in memory.
// It can be told to fail, or to hold Submit until released.
type fakeSubmitter struct {
	mu       sync.Mutex
	subs     []*Submission
	blobs    map[string][]byte
	cleanups int
	next     int
	sinkErr  error // NewSink fails with it
	storeErr error // the sink fails with it
	err      error // Submit fails with it
	panics   bool  // Submit panics

	started chan struct{} // gets a value when Submit begins, if not nil
	release chan struct{} // Submit waits for it, if not nil
}

func newFakeSubmitter() *fakeSubmitter {
	return &fakeSubmitter{blobs: map[string][]byte{}}
}

// NewSink returns a sink storing into f.blobs and a cleanup that deletes
// what it stored.
func (f *fakeSubmitter) NewSink(_ context.Context, _ db.User) (mime.Sink, func(), error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sinkErr != nil {
		return nil, nil, f.sinkErr
	}
	s := &memSink{f: f}
	return s, s.cleanup, nil
}

// Submit records s unless told to fail.
func (f *fakeSubmitter) Submit(_ context.Context, s *Submission) error {
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.release != nil {
		<-f.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panics {
		panic("submitter bug")
	}
	if f.err != nil {
		return f.err
	}
	f.subs = append(f.subs, s)
	return nil
}

// reset forgets everything and fails no more.
func (f *fakeSubmitter) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs, f.blobs, f.cleanups = nil, map[string][]byte{}, 0
	f.sinkErr, f.storeErr, f.err, f.panics = nil, nil, nil, false
}

func (f *fakeSubmitter) set(fn func(f *fakeSubmitter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// state returns the submissions, the number of stored blobs and cleanups.
func (f *fakeSubmitter) state() ([]*Submission, int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Submission(nil), f.subs...), len(f.blobs), f.cleanups
}

// memSink stores one message's attachments.
type memSink struct {
	f    *fakeSubmitter
	refs []string
}

func (s *memSink) Attachment(a mime.AttachmentInfo, r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if s.f.storeErr != nil {
		return "", s.f.storeErr
	}
	s.f.next++
	ref := fmt.Sprintf("blob-%d", s.f.next)
	s.f.blobs[ref] = b
	s.refs = append(s.refs, ref)
	return ref, nil
}

func (s *memSink) cleanup() {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.cleanups++
	for _, r := range s.refs {
		delete(s.f.blobs, r)
	}
}

// mail builds a small message.
func mail(from, subject, body string) string {
	return "From: Alice <" + from + ">\r\nTo: carol@client.example\r\nSubject: " + subject +
		"\r\nMessage-Id: <1@example.com>\r\n\r\n" + body + "\r\n"
}

// withAttachment is a message with one PDF attachment.
func withAttachment(from string) string {
	return "From: " + from + "\r\nTo: carol@client.example\r\nSubject: report\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
}
