package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"sluis/db"
	"sluis/portal/secret"
)

// ceremonyTTL bounds a WebAuthn ceremony.
const ceremonyTTL = 5 * time.Minute

// MaxPasskeyName bounds a passkey's name.
const MaxPasskeyName = 60

var b64 = base64.RawURLEncoding

// waUser is a user as go-webauthn sees one.
type waUser struct {
	u      db.User
	handle []byte
	creds  []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return w.handle }
func (w *waUser) WebAuthnName() string                       { return w.u.Email }
func (w *waUser) WebAuthnDisplayName() string                { return displayName(w.u) }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func displayName(u db.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}

// loadWAUser builds the go-webauthn user with its handle and credentials.
func (s *Service) loadWAUser(ctx context.Context, u db.User) (*waUser, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	h, err := s.opt.Store.WebAuthnHandle(ctx, u.OrgID, u.ID, b64.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	handle, err := b64.DecodeString(h)
	if err != nil {
		return nil, err
	}
	w := &waUser{u: u, handle: handle}
	keys, err := s.opt.Store.Passkeys(ctx, u.OrgID, u.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &c); err != nil {
			return nil, err
		}
		w.creds = append(w.creds, c)
	}
	return w, nil
}

// putCeremony stores go-webauthn's session data under a fresh token.
func (s *Service) putCeremony(ctx context.Context, kind string, userID int64, sd *webauthn.SessionData) (string, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return "", err
	}
	token, hash, err := secret.NewToken()
	if err != nil {
		return "", err
	}
	c := db.WebAuthnChallenge{IDHash: hash, UserID: userID, Kind: kind, Data: string(data), ExpiresAt: s.now().Add(ceremonyTTL)}
	return token, s.opt.Store.PutWebAuthnChallenge(ctx, c)
}

// takeCeremony returns a ceremony's session data once, if it has not expired.
func (s *Service) takeCeremony(ctx context.Context, kind, token string) (db.WebAuthnChallenge, webauthn.SessionData, error) {
	var sd webauthn.SessionData
	if token == "" || len(token) > 64 {
		return db.WebAuthnChallenge{}, sd, ErrPasskey
	}
	c, err := s.opt.Store.TakeWebAuthnChallenge(ctx, secret.HashToken(token), kind)
	if errors.Is(err, db.ErrNotFound) {
		return c, sd, ErrPasskey
	}
	if err != nil {
		return c, sd, err
	}
	if !s.now().Before(c.ExpiresAt) {
		return c, sd, ErrPasskey
	}
	return c, sd, json.Unmarshal([]byte(c.Data), &sd)
}

// BeginPasskeyRegistration starts adding a passkey to the signed-in user:
// the options for navigator.credentials.create, and the ceremony's token.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, sess Session) (*protocol.CredentialCreation, string, error) {
	if s.wa == nil {
		return nil, "", ErrPasskeysOff
	}
	w, err := s.loadWAUser(ctx, sess.User)
	if err != nil {
		return nil, "", err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range w.creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sd, err := s.wa.BeginRegistration(w, webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude), webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationRequired}))
	if err != nil {
		return nil, "", err
	}
	token, err := s.putCeremony(ctx, "register", sess.User.ID, sd)
	return opts, token, err
}

// CleanPasskeyName trims a passkey's name; "" when it is empty or too long.
func CleanPasskeyName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > MaxPasskeyName {
		return ""
	}
	return name
}

// FinishPasskeyRegistration checks the browser's answer (body, the JSON of
// the PublicKeyCredential) and stores the passkey under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, sess Session, token, name string, body []byte) (db.Passkey, error) {
	if s.wa == nil {
		return db.Passkey{}, ErrPasskeysOff
	}
	c, sd, err := s.takeCeremony(ctx, "register", token)
	if err != nil {
		return db.Passkey{}, err
	}
	if c.UserID != sess.User.ID {
		return db.Passkey{}, ErrPasskey
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(body))
	if err != nil {
		return db.Passkey{}, errors.Join(ErrPasskey, err)
	}
	w, err := s.loadWAUser(ctx, sess.User)
	if err != nil {
		return db.Passkey{}, err
	}
	cred, err := s.wa.CreateCredential(w, sd, parsed)
	if err != nil {
		return db.Passkey{}, errors.Join(ErrPasskey, err)
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return db.Passkey{}, err
	}
	if name = CleanPasskeyName(name); name == "" {
		name = "Passkey"
	}
	p := db.Passkey{OrgID: sess.User.OrgID, UserID: sess.User.ID, CredentialID: b64.EncodeToString(cred.ID), Name: name, Credential: string(data)}
	s.opt.Logger.Info("passkey added", "user_id", sess.User.ID)
	return s.opt.Store.AddPasskey(ctx, p)
}

// BeginPasskeySignIn starts a sign-in with a discoverable passkey: the
// options for navigator.credentials.get, and the ceremony's token.
func (s *Service) BeginPasskeySignIn(ctx context.Context) (*protocol.CredentialAssertion, string, error) {
	if s.wa == nil {
		return nil, "", ErrPasskeysOff
	}
	opts, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, "", err
	}
	token, err := s.putCeremony(ctx, "login", 0, sd)
	return opts, token, err
}

// FinishPasskeySignIn checks the browser's assertion and starts a signed-in
// session (a passkey with user verification is two factors in itself),
// ending the session the browser carried (previous).
func (s *Service) FinishPasskeySignIn(ctx context.Context, token string, body []byte, previous string) (SignIn, error) {
	if s.wa == nil {
		return SignIn{}, ErrPasskeysOff
	}
	_, sd, err := s.takeCeremony(ctx, "login", token)
	if err != nil {
		return SignIn{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(body))
	if err != nil {
		return SignIn{}, errors.Join(ErrPasskey, err)
	}
	var found *waUser
	handler := func(_, userHandle []byte) (webauthn.User, error) {
		u, err := s.opt.Store.UserByWebAuthnHandle(ctx, b64.EncodeToString(userHandle))
		if err != nil || u.Disabled {
			return nil, errors.Join(err, ErrPasskey)
		}
		found, err = s.loadWAUser(ctx, u)
		return found, err
	}
	cred, err := s.wa.ValidateDiscoverableLogin(handler, sd, parsed)
	if err != nil || found == nil {
		return SignIn{}, errors.Join(ErrPasskey, err)
	}
	data, err := json.Marshal(cred)
	if err != nil {
		return SignIn{}, err
	}
	if err := s.opt.Store.UpdatePasskeyUse(ctx, found.u.OrgID, b64.EncodeToString(cred.ID), string(data)); err != nil {
		return SignIn{}, err
	}
	return s.startSession(ctx, found.u, db.StageFull, hashOrEmpty(previous))
}

// Passkeys lists the user's passkeys.
func (s *Service) Passkeys(ctx context.Context, u db.User) ([]db.Passkey, error) {
	return s.opt.Store.Passkeys(ctx, u.OrgID, u.ID)
}

// RenamePasskey renames one of the user's passkeys.
func (s *Service) RenamePasskey(ctx context.Context, u db.User, id int64, name string) error {
	if name = CleanPasskeyName(name); name == "" {
		return ErrPasskey
	}
	return s.opt.Store.RenamePasskey(ctx, u.OrgID, u.ID, id, name)
}

// RemovePasskey removes one of the user's passkeys.
func (s *Service) RemovePasskey(ctx context.Context, u db.User, id int64) error {
	s.opt.Logger.Info("passkey removed", "user_id", u.ID)
	return s.opt.Store.DeletePasskey(ctx, u.OrgID, u.ID, id)
}
