-- +goose Up
-- Senders' side of the web app: users' sign-in (sessions, TOTP, recovery
-- codes, passkeys, one-shot WebAuthn challenges, failure counters), unit
-- settings with inheritance, and what drafts and revocations need.

-- A user's session. id_hash is the SHA-256 of the cookie's 256-bit token.
-- stage is 'full' for a signed-in user; 'second_factor' (password right,
-- code still to come) and 'enrol' (password right, the unit requires a
-- second factor the user has not set up) open nothing but that next step.
CREATE TABLE user_sessions (
    id_hash       TEXT    PRIMARY KEY,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id       BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage         TEXT    NOT NULL CHECK (stage IN ('full', 'second_factor', 'enrol')),
    failures      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions(user_id);
CREATE INDEX user_sessions_expiry ON user_sessions(expires_at);

-- A user's TOTP secret, sealed with the vault's field key. confirmed_at is
-- NULL while enrolment waits for the first code; last_step is the last
-- accepted time step (the replay guard).
CREATE TABLE user_totp (
    user_id       BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    secret        BYTEA   NOT NULL,
    confirmed_at  BIGINT ,
    last_step     BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

-- Single-use recovery codes, stored as SHA-256 (each carries 80 random bits).
CREATE TABLE user_recovery_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    BIGINT ,
    created_at BIGINT  NOT NULL
);
CREATE UNIQUE INDEX user_recovery_codes_hash ON user_recovery_codes(user_id, code_hash);

-- The random WebAuthn user handle of a user (base64url), the same for all
-- their passkeys.
CREATE TABLE user_webauthn (
    user_id  BIGINT  PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id   BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    handle   TEXT    NOT NULL UNIQUE
);

-- A passkey: credential_id is base64url; credential is go-webauthn's
-- Credential as JSON (public key, sign count, flags).
CREATE TABLE user_passkeys (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id        BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id  TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    credential     TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    last_used_at   BIGINT 
);
CREATE INDEX user_passkeys_user ON user_passkeys(user_id);

-- A WebAuthn ceremony in progress: taken (deleted) on first use, refused
-- after expires_at. id_hash is the SHA-256 of the token in the cookie.
CREATE TABLE webauthn_challenges (
    id_hash     TEXT    PRIMARY KEY,
    user_id     BIGINT  REFERENCES users(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('register', 'login')),
    data        TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);

-- Failed sign-ins per key: "account:<typed address>" or "ip:<network>".
-- Shared by every instance; keyed by what was typed, so an unknown address
-- is slowed exactly like a known one.
CREATE TABLE signin_failures (
    key           TEXT    PRIMARY KEY,
    failures      BIGINT  NOT NULL,
    first_at      BIGINT  NOT NULL,
    locked_until  BIGINT  NOT NULL DEFAULT 0
);

-- A unit's own value for a setting; a unit without one inherits its
-- parent's, the root's default is in code (portal/policy).
CREATE TABLE unit_settings (
    org_id      BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    unit_id     BIGINT  NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  BIGINT  NOT NULL,
    updated_by  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (unit_id, name)
);
CREATE INDEX unit_settings_org ON unit_settings(org_id);

-- Drafts: when the sender was reminded that a held draft will expire.
ALTER TABLE messages ADD COLUMN reminded_at BIGINT ;
-- Revocation: when a recipient was revoked, or is to be.
ALTER TABLE recipients ADD COLUMN revoked_at BIGINT ;
ALTER TABLE recipients ADD COLUMN revoke_at BIGINT ;

-- +goose Down
ALTER TABLE recipients DROP COLUMN revoke_at;
ALTER TABLE recipients DROP COLUMN revoked_at;
ALTER TABLE messages DROP COLUMN reminded_at;
DROP TABLE unit_settings;
DROP TABLE signin_failures;
DROP TABLE webauthn_challenges;
DROP TABLE user_passkeys;
DROP TABLE user_webauthn;
DROP TABLE user_recovery_codes;
DROP TABLE user_totp;
DROP TABLE user_sessions;
