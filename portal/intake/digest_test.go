package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestDigestOfTheMessageAsReceived: the submission carries the SHA-256 of
// the message exactly as the sender's program sent it, after
// dot-unstuffing, which the proof of delivery shows.
func TestDigestOfTheMessageAsReceived(t *testing.T) {
	e := newEnv(t, nil, nil)
	c := e.login(t)
	msg := mail(alice, "digest", "first line\r\n.a line that began with a dot\r\nlast line")
	must(t, send(c, alice, []string{"carol@client.example"}, msg))
	subs, _, _ := e.sub.state()
	if len(subs) != 1 {
		t.Fatalf("%d submissions", len(subs))
	}
	sum := sha256.Sum256([]byte(msg))
	if got, want := subs[0].SHA256, hex.EncodeToString(sum[:]); got != want {
		t.Errorf("digest %s, want %s (of %d bytes)", got, want, subs[0].Size)
	}
}
