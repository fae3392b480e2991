package intake

import (
	"strings"
	"testing"
)

// TestRepliesInPlainWords holds a whole conversation over loopback and
// reads every text people may see in their mail program's error window.
func TestRepliesInPlainWords(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := rawDial(t, e.addr)
	c.cmd(t, "EHLO client.test", 250)
	c.cmd(t, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAGNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", 235)
	got := []string{
		c.cmd(t, "NOOP", 250),
		c.cmd(t, "MAIL FROM:<"+alice+">", 250),
		c.cmd(t, "RCPT TO:<carol@client.example>", 250),
		c.cmd(t, "DATA", 354),
	}
	c.write(t, strings.ReplaceAll(withAttachment(alice), "\n.", "\n..")+".\r\n")
	got = append(got, c.expect(t, 250), c.cmd(t, "QUIT", 221))
	want := []string{"2.0.0 OK", "2.0.0 Sender accepted", "2.0.0 Recipient accepted",
		"Send the message, end with a line holding only a dot", "", "2.0.0 Goodbye"}
	for i, w := range want {
		if w != "" && got[i] != w {
			t.Errorf("reply %d = %q, want %q", i, got[i], w)
		}
	}
	for _, g := range got {
		for _, joke := range []string{"Roger", "make sure", "Go ahead", "done nothing"} {
			if strings.Contains(g, joke) {
				t.Errorf("reply %q still says %q", g, joke)
			}
		}
	}
	if subs, _, _ := e.sub.state(); len(subs) != 1 {
		t.Errorf("%d submissions, want 1", len(subs))
	}
}

// TestPlainWordsKeepsOtherLines rewrites only the library's own texts,
// also when several replies arrive in one write.
func TestPlainWordsKeepsOtherLines(t *testing.T) {
	in := "250-client.test\r\n250 AUTH PLAIN\r\n250 2.0.0 Roger, accepting mail from <a@b.test>\r\n550 5.7.1 Roger, accepting mail from <x>\r\n"
	want := "250-client.test\r\n250 AUTH PLAIN\r\n250 2.0.0 Sender accepted\r\n550 5.7.1 Roger, accepting mail from <x>\r\n"
	if got := string(plainWords([]byte(in))); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
