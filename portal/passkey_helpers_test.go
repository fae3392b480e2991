package portal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// softKey is a passkey authenticator in software: a P-256 key pair that
// answers WebAuthn ceremonies the way a platform authenticator does
// ("none" attestation, user present and verified), so HTTP tests can run
// real ceremonies without a browser.
type softKey struct {
	t      *testing.T
	key    *ecdsa.PrivateKey
	id     []byte
	handle []byte // the user handle the registration gave
	count  uint32
	origin string
	rpID   string
}

var rawB64 = base64.RawURLEncoding

func newSoftKey(t *testing.T, origin, rpID string) *softKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		t.Fatal(err)
	}
	return &softKey{t: t, key: key, id: id, origin: origin, rpID: rpID}
}

// options reads the challenge (and the user handle, when registering)
// from the server's JSON options.
func (k *softKey) options(body string) (challenge string) {
	k.t.Helper()
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil || o.PublicKey.Challenge == "" {
		k.t.Fatalf("WebAuthn options %q: %v", body, err)
	}
	if o.PublicKey.User.ID != "" {
		h, err := rawB64.DecodeString(o.PublicKey.User.ID)
		if err != nil {
			k.t.Fatal(err)
		}
		k.handle = h
	}
	return o.PublicKey.Challenge
}

func (k *softKey) clientData(kind, challenge string) []byte {
	b, err := json.Marshal(map[string]any{"type": kind, "challenge": challenge, "origin": k.origin, "crossOrigin": false})
	if err != nil {
		k.t.Fatal(err)
	}
	return b
}

// authData is the authenticator data: RP id hash, flags (user present
// and verified, plus attested data when cred is given), counter.
func (k *softKey) authData(cred []byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	flags := byte(0x01 | 0x04)
	if cred != nil {
		flags |= 0x40
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, cred...)
}

// create answers navigator.credentials.create for the options in body.
func (k *softKey) create(body string) []byte {
	k.t.Helper()
	challenge := k.options(body)
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: k.key.X.FillBytes(make([]byte, 32)), -3: k.key.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		k.t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID zero: no attestation
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	obj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(attested)})
	if err != nil {
		k.t.Fatal(err)
	}
	return k.credential(map[string]any{"clientDataJSON": rawB64.EncodeToString(k.clientData("webauthn.create", challenge)),
		"attestationObject": rawB64.EncodeToString(obj), "transports": []string{"internal"}})
}

// get answers navigator.credentials.get for the options in body.
func (k *softKey) get(body string) []byte {
	k.t.Helper()
	challenge := k.options(body)
	k.count++
	data := k.authData(nil)
	cd := k.clientData("webauthn.get", challenge)
	sum := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, data...), sum[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	return k.credential(map[string]any{"clientDataJSON": rawB64.EncodeToString(cd), "authenticatorData": rawB64.EncodeToString(data),
		"signature": rawB64.EncodeToString(sig), "userHandle": rawB64.EncodeToString(k.handle)})
}

func (k *softKey) credential(response map[string]any) []byte {
	id := rawB64.EncodeToString(k.id)
	b, err := json.Marshal(map[string]any{"id": id, "rawId": id, "type": "public-key", "response": response,
		"clientExtensionResults": map[string]any{}})
	if err != nil {
		k.t.Fatal(err)
	}
	return b
}

// postJSON posts body as passkey.js does: JSON, with the CSRF token of the
// last page in the X-CSRF-Token header.
func (b *browser) postJSON(path string, body []byte) page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, b.re.srv.URL+path, strings.NewReader(string(body)))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// ceremonyCookieOf is the ceremony cookie the browser holds now, or "".
func (b *browser) ceremonyCookieOf() string {
	for _, c := range b.c.Jar.Cookies(mustURL(b.t, b.re.srv.URL)) {
		if c.Name == ceremonyCookie {
			return c.Value
		}
	}
	return ""
}

// setCeremonyCookie puts a ceremony cookie back, as a replaying client would.
func (b *browser) setCeremonyCookie(value string) {
	b.c.Jar.SetCookies(mustURL(b.t, b.re.srv.URL), []*http.Cookie{{Name: ceremonyCookie, Value: value, Path: "/"}})
}
