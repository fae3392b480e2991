package intake

import (
	"bytes"
	"regexp"
)

// go-smtp writes a few replies of its own in a playful tone ("Roger,
// accepting mail from …", "I'll make sure … gets this"). Mail programs show
// these texts to people when something goes wrong, so Sluis says the same
// codes in plain, short words. The library offers no hook for them: they are
// rewritten line by line on their way out, before any TLS. After STARTTLS the
// library writes through the TLS layer above this connection, so the
// encrypted part of a session keeps the library's words (the codes, which
// mail programs act on, are the same either way).
var plainReplies = []struct {
	old *regexp.Regexp
	new []byte
}{
	{regexp.MustCompile(`^250 2\.0\.0 Roger, accepting mail from <.*>\r\n`), []byte("250 2.0.0 Sender accepted\r\n")},
	{regexp.MustCompile(`^250 2\.0\.0 I'll make sure <.*> gets this\r\n`), []byte("250 2.0.0 Recipient accepted\r\n")},
	{regexp.MustCompile(`^354 Go ahead\. End your data with <CR><LF>\.<CR><LF>\r\n`), []byte("354 Send the message, end with a line holding only a dot\r\n")},
	{regexp.MustCompile(`^250 2\.0\.0 I have successfully done nothing\r\n`), []byte("250 2.0.0 OK\r\n")},
	{regexp.MustCompile(`^221 2\.0\.0 Bye\r\n`), []byte("221 2.0.0 Goodbye\r\n")},
}

// startTLS is the reply after which the session is encrypted.
var startTLS = []byte("220 2.0.0 Ready to start TLS\r\n")

// plainWords rewrites the library's playful replies in p; it returns p
// itself when nothing needs a change.
func plainWords(p []byte) []byte {
	if !bytes.Contains(p, []byte("Roger,")) && !bytes.Contains(p, []byte("I'll make sure")) &&
		!bytes.Contains(p, []byte("Go ahead.")) && !bytes.Contains(p, []byte("done nothing")) && !bytes.Contains(p, []byte(" Bye\r\n")) {
		return p
	}
	var out []byte
	for line := range bytes.Lines(p) {
		for _, r := range plainReplies {
			if r.old.Match(line) {
				line = r.new
				break
			}
		}
		out = append(out, line...)
	}
	return out
}

// Write sends p, in plain words while the session is not encrypted.
func (c *trackedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	plain := !c.encrypted
	if plain && bytes.Contains(p, startTLS) {
		c.encrypted = true
	}
	c.mu.Unlock()
	if !plain {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(plainWords(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
