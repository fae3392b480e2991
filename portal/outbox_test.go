package portal

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// memOutbox is an Outbox in memory.
type memOutbox struct {
	items   []OutboxItem
	raw     map[string][]byte
	listErr error
}

func (o *memOutbox) List() ([]OutboxItem, error) { return o.items, o.listErr }

func (o *memOutbox) Read(id string) ([]byte, error) {
	raw, ok := o.raw[id]
	if !ok {
		return nil, fmt.Errorf("outbox: %w", ErrOutboxNotFound)
	}
	return raw, nil
}

func TestDevOutbox(t *testing.T) {
	box := &memOutbox{
		items: []OutboxItem{{ID: "m1", Time: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), From: "sluis@example.org",
			To: []string{"ann@example.com", "bob@example.net"}, Subject: "A secure message for you"}, {ID: "m2"}},
		raw: map[string][]byte{"m1": []byte("Subject: hi\r\n\r\n<script>alert(1)</script>\xff")},
	}
	dev := newEnv(t, func(o *Options) { o.Dev, o.Outbox = true, box })
	for _, sc := range []scenario{
		{name: "list", target: "/dev/outbox", status: http.StatusOK, contains: []string{
			`href="/dev/outbox/m1"`, "A secure message for you", "ann@example.com, bob@example.net",
			"2026-03-04 05:06:07 UTC", "(no subject)", `class="dev-banner"`}},
		{name: "list in Dutch", target: "/dev/outbox", header: map[string]string{"Accept-Language": "nl"},
			status: http.StatusOK, contains: []string{"<h1>Test-outbox</h1>", "(geen onderwerp)"}},
		{name: "message is escaped", target: "/dev/outbox/m1", status: http.StatusOK,
			contains: []string{"&lt;script&gt;alert(1)&lt;/script&gt;\uFFFD", "Raw message"}, absent: []string{"<script>alert(1)"}},
		{name: "unknown id", target: "/dev/outbox/m9", status: http.StatusNotFound, contains: []string{"Page not found"}},
		{name: "implausible id", target: "/dev/outbox/..m1", status: http.StatusNotFound},
	} {
		t.Run(sc.name, func(t *testing.T) { dev.check(t, sc) })
	}

	off := newEnv(t, func(o *Options) { o.Outbox = box })
	off.check(t, scenario{target: "/dev/outbox", status: http.StatusNotFound})
	off.check(t, scenario{target: "/dev/outbox/m1", status: http.StatusNotFound, absent: []string{"alert"}})
	off.check(t, scenario{target: "/about", status: http.StatusOK, absent: []string{"dev-banner", "/dev/outbox"}})

	none := newEnv(t, func(o *Options) { o.Dev = true })
	none.check(t, scenario{target: "/dev/outbox", status: http.StatusOK, contains: []string{"No outbox is configured."}})
	none.check(t, scenario{target: "/dev/outbox/m1", status: http.StatusNotFound})

	broken := newEnv(t, func(o *Options) { o.Dev, o.Outbox = true, &memOutbox{listErr: errors.New("disk on fire")} })
	broken.check(t, scenario{target: "/dev/outbox", status: http.StatusInternalServerError, absent: []string{"disk on fire"}})
}
