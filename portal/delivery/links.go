package delivery

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"sluis/portal/secret"
)

// A recipient's link carries a 256-bit token. The database keeps only its
// SHA-256 (so a copy of the database opens no message) and a random nonce;
// the token itself is HMAC(link key, nonce), with a key derived from the
// master key. The notification job can therefore write the same link again
// on a retry without the token ever being stored, in the job queue or
// anywhere else.

// newLink returns a fresh nonce and the hash of the token it yields.
func (s *Service) newLink() (nonce, tokenHash string, err error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	nonce = hex.EncodeToString(b)
	return nonce, secret.HashToken(s.token(nonce)), nil
}

// token derives a recipient's link token from its nonce.
func (s *Service) token(nonce string) string {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// RecipientURL is the link in a recipient's notification.
func (s *Service) RecipientURL(nonce string) string {
	return s.opt.BaseURL + "/m/" + s.token(nonce)
}

// DraftURL is the link in a sender's "not sent" mail.
func (s *Service) DraftURL(uid string) string {
	return s.opt.BaseURL + "/drafts/" + uid
}

func newUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
