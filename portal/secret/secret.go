// Package secret holds the primitives for secrets at rest: argon2id hashes
// for passwords and access codes, and random tokens stored only as hashes.
//
// Threat model: an attacker who copies the database must not learn any
// password, access code or link token from it. Passwords and access codes
// are low-entropy, so they get a slow, memory-hard hash (argon2id at OWASP's
// parameters: 19 MiB, 2 passes, 1 lane; about 27 ms of a core here). Link
// and session tokens carry 256 random bits, so a fast SHA-256 suffices:
// nobody can search 2^256 values. Comparisons are constant-time.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	MemoryKiB uint32
	Passes    uint32
	Lanes     uint8
}

// OWASP is the OWASP Password Storage Cheat Sheet's first argon2id choice.
var OWASP = Params{MemoryKiB: 19456, Passes: 2, Lanes: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrMalformedHash: a stored hash is not an argon2id PHC string.
var ErrMalformedHash = errors.New("malformed argon2id hash")

// Hash returns the argon2id PHC string of s at OWASP's parameters.
func Hash(s string) (string, error) { return HashWith(OWASP, s) }

// HashWith returns the argon2id PHC string of s at the given parameters.
func HashWith(p Params, s string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(s), salt, p.Passes, p.MemoryKiB, p.Lanes, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Passes, p.Lanes,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether s matches the PHC string hash, in constant time.
func Verify(hash, s string) (bool, error) {
	p, salt, want, err := parse(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(s), salt, p.Passes, p.MemoryKiB, p.Lanes, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func parse(hash string) (Params, []byte, []byte, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Passes, &p.Lanes); err != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	// Refuse parameters that would let a planted hash exhaust memory or time.
	if p.MemoryKiB == 0 || p.MemoryKiB > 1<<20 || p.Passes == 0 || p.Passes > 20 || p.Lanes == 0 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}

// NewToken returns a 256-bit random token for a link or session (URL-safe
// base64) and the hash to store in its place.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("reading random token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a token (hex SHA-256).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Equal compares two strings in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// One-time codes: 6 digits sent by text or mail, stored as an HMAC (see
// their callers), checked against few tries; their strength is the tries,
// not their length.

// CodeDigits is the length of a one-time code.
const CodeDigits = 6

// NewCode returns CodeDigits uniformly random digits from crypto/rand.
func NewCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("reading a random code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// WellFormedCode reports whether code is CodeDigits ASCII digits.
func WellFormedCode(code string) bool {
	if len(code) != CodeDigits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}
