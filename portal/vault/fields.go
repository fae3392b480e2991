package vault

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// fieldVersion marks the format of a sealed field: 1 is XChaCha20-Poly1305
// under a key derived from the master key.
const fieldVersion = 1

// ErrSealedField: a sealed field is malformed or was not sealed by this key
// (or was moved to another row: the row binding is authenticated).
var ErrSealedField = errors.New("sealed field cannot be opened")

// Derive returns a 32-byte key for one purpose, derived from the master key
// with HKDF-SHA256. Different purposes give independent keys; nobody
// without the master key can compute them.
func (k *Keys) Derive(purpose string) []byte {
	key, err := hkdf.Key(sha256.New, k.secret, nil, "sluis "+purpose, 32)
	if err != nil {
		panic("hkdf: " + err.Error()) // only for lengths HKDF cannot produce
	}
	return key
}

// SealField encrypts a small value (a subject, a file name) for a database
// column. binding names where it belongs ("message 12 subject"): opening it
// under another binding fails, so a database writer cannot move ciphertexts
// between rows. Symmetric, because an age header per subject would cost two
// X25519 operations each time an inbox is listed.
func (v *Vault) SealField(plaintext []byte, binding string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(v.fieldKey)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = fieldVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("reading nonce: %w", err)
	}
	return aead.Seal(out, out[1:], plaintext, []byte(binding)), nil
}

// OpenField decrypts what SealField sealed under the same binding.
func (v *Vault) OpenField(sealed []byte, binding string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(v.fieldKey)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != fieldVersion {
		return nil, ErrSealedField
	}
	nonce, ct := sealed[1:1+aead.NonceSize()], sealed[1+aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, []byte(binding))
	if err != nil {
		return nil, ErrSealedField
	}
	return pt, nil
}
