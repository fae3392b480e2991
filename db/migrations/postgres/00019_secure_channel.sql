-- +goose Up
-- The secure channel into an organisation (NTA 7516): a public page at
-- <base-url>/to/<domain> where anyone writes a secure message after proving
-- their own address with a code mailed to it, read by the organisation's
-- secure inbox after signing in and answered as an ordinary Sluis message.

-- The page's settings. Without a row the page is on, its messages are
-- announced to the organisation's admins, and it shows no intro text.
-- inbox is the secure-inbox address: a user's address or alias, or a
-- group's address, of this organisation ('' = the admins).
CREATE TABLE channel_settings (
    org_id      BIGINT  PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    enabled     BIGINT  NOT NULL DEFAULT 1,
    inbox       TEXT    NOT NULL DEFAULT '',
    intro_nl    TEXT    NOT NULL DEFAULT '',
    intro_fr    TEXT    NOT NULL DEFAULT '',
    intro_en    TEXT    NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL
);

-- A writer proving their address. token_hash is the SHA-256 of the
-- browser's 256-bit token (a cookie scoped to the page); code_hash the
-- HMAC of the live code ('' when none is live: used, or none sent yet);
-- code_failures counts wrong entries of the live code, failures all wrong
-- entries of this challenge. verified_at is set by a right code; the row is
-- then the writer's session until expires_at.
CREATE TABLE channel_challenges (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash       TEXT    NOT NULL UNIQUE,
    org_id           BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address          TEXT    NOT NULL,
    network          TEXT    NOT NULL,
    code_hash        TEXT    NOT NULL DEFAULT '',
    code_expires_at  BIGINT  NOT NULL DEFAULT 0,
    code_sent_at     BIGINT  NOT NULL DEFAULT 0,
    code_failures    BIGINT  NOT NULL DEFAULT 0,
    failures         BIGINT  NOT NULL DEFAULT 0,
    verified_at      BIGINT,
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL
);
CREATE INDEX channel_challenges_address ON channel_challenges(org_id, address);
CREATE INDEX channel_challenges_expiry ON channel_challenges(expires_at);

-- Every code mailed, for the limits per address and per network (never
-- the code).
CREATE TABLE channel_code_sends (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id   BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address  TEXT    NOT NULL,
    network  TEXT    NOT NULL,
    sent_at  BIGINT  NOT NULL
);
CREATE INDEX channel_code_sends_address ON channel_code_sends(org_id, address, sent_at);
CREATE INDEX channel_code_sends_network ON channel_code_sends(network, sent_at);

-- A message written on the page: the body is an encrypted blob, the
-- subject and the writer's name sealed fields; address is the address the
-- writer proved. answer_message_id is the Sluis message that answered it.
CREATE TABLE channel_messages (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid                TEXT    NOT NULL UNIQUE,
    org_id             BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address            TEXT    NOT NULL,
    name               BYTEA,
    subject            BYTEA   NOT NULL,
    text_blob          TEXT    NOT NULL DEFAULT '',
    size               BIGINT  NOT NULL,
    network            TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL,
    expires_at         BIGINT  NOT NULL,
    read_at            BIGINT,
    answered_at        BIGINT,
    answered_by        BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    answer_message_id  BIGINT  REFERENCES messages(id) ON DELETE SET NULL
);
CREATE INDEX channel_messages_org ON channel_messages(org_id, created_at);
CREATE INDEX channel_messages_address ON channel_messages(org_id, address, created_at);
CREATE INDEX channel_messages_network ON channel_messages(network, created_at);
CREATE INDEX channel_messages_expiry ON channel_messages(expires_at);
CREATE INDEX channel_messages_blob ON channel_messages(text_blob);

CREATE TABLE channel_attachments (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_message_id  BIGINT  NOT NULL REFERENCES channel_messages(id) ON DELETE CASCADE,
    org_id              BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    position            BIGINT  NOT NULL,
    blob_id             TEXT    NOT NULL,
    filename            BYTEA   NOT NULL,
    content_type        TEXT    NOT NULL,
    size                BIGINT  NOT NULL
);
CREATE INDEX channel_attachments_message ON channel_attachments(channel_message_id);
CREATE INDEX channel_attachments_blob ON channel_attachments(blob_id);

-- An answer reaches the writer as an ordinary message whose recipient
-- proves their address with a code mailed to it: verification method 'mail'.
ALTER TABLE recipients DROP CONSTRAINT recipients_method_check;
ALTER TABLE recipients ADD CONSTRAINT recipients_method_check CHECK (method IN ('sms', 'access_code', 'signin', 'mail', 'none'));

-- +goose Down
ALTER TABLE recipients DROP CONSTRAINT recipients_method_check;
ALTER TABLE recipients ADD CONSTRAINT recipients_method_check CHECK (method IN ('sms', 'access_code', 'signin', 'none'));
DROP TABLE channel_attachments;
DROP TABLE channel_messages;
DROP TABLE channel_code_sends;
DROP TABLE channel_challenges;
DROP TABLE channel_settings;
