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
    org_id      INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    enabled     INTEGER NOT NULL DEFAULT 1,
    inbox       TEXT    NOT NULL DEFAULT '',
    intro_nl    TEXT    NOT NULL DEFAULT '',
    intro_fr    TEXT    NOT NULL DEFAULT '',
    intro_en    TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);

-- A writer proving their address. token_hash is the SHA-256 of the
-- browser's 256-bit token (a cookie scoped to the page); code_hash the
-- HMAC of the live code ('' when none is live: used, or none sent yet);
-- code_failures counts wrong entries of the live code, failures all wrong
-- entries of this challenge. verified_at is set by a right code; the row is
-- then the writer's session until expires_at.
CREATE TABLE channel_challenges (
    id               INTEGER PRIMARY KEY,
    token_hash       TEXT    NOT NULL UNIQUE,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address          TEXT    NOT NULL,
    network          TEXT    NOT NULL,
    code_hash        TEXT    NOT NULL DEFAULT '',
    code_expires_at  INTEGER NOT NULL DEFAULT 0,
    code_sent_at     INTEGER NOT NULL DEFAULT 0,
    code_failures    INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    verified_at      INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX channel_challenges_address ON channel_challenges(org_id, address);
CREATE INDEX channel_challenges_expiry ON channel_challenges(expires_at);

-- Every code mailed, for the limits per address and per network (never
-- the code).
CREATE TABLE channel_code_sends (
    id       INTEGER PRIMARY KEY,
    org_id   INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address  TEXT    NOT NULL,
    network  TEXT    NOT NULL,
    sent_at  INTEGER NOT NULL
);
CREATE INDEX channel_code_sends_address ON channel_code_sends(org_id, address, sent_at);
CREATE INDEX channel_code_sends_network ON channel_code_sends(network, sent_at);

-- A message written on the page: the body is an encrypted blob, the
-- subject and the writer's name sealed fields; address is the address the
-- writer proved. answer_message_id is the Sluis message that answered it.
CREATE TABLE channel_messages (
    id                 INTEGER PRIMARY KEY,
    uid                TEXT    NOT NULL UNIQUE,
    org_id             INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address            TEXT    NOT NULL,
    name               BLOB,
    subject            BLOB    NOT NULL,
    text_blob          TEXT    NOT NULL DEFAULT '',
    size               INTEGER NOT NULL,
    network            TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    read_at            INTEGER,
    answered_at        INTEGER,
    answered_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    answer_message_id  INTEGER REFERENCES messages(id) ON DELETE SET NULL
);
CREATE INDEX channel_messages_org ON channel_messages(org_id, created_at);
CREATE INDEX channel_messages_address ON channel_messages(org_id, address, created_at);
CREATE INDEX channel_messages_network ON channel_messages(network, created_at);
CREATE INDEX channel_messages_expiry ON channel_messages(expires_at);
CREATE INDEX channel_messages_blob ON channel_messages(text_blob);

CREATE TABLE channel_attachments (
    id                  INTEGER PRIMARY KEY,
    channel_message_id  INTEGER NOT NULL REFERENCES channel_messages(id) ON DELETE CASCADE,
    org_id              INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    blob_id             TEXT    NOT NULL,
    filename            BLOB    NOT NULL,
    content_type        TEXT    NOT NULL,
    size                INTEGER NOT NULL
);
CREATE INDEX channel_attachments_message ON channel_attachments(channel_message_id);
CREATE INDEX channel_attachments_blob ON channel_attachments(blob_id);

-- An answer reaches the writer as an ordinary message whose recipient
-- proves their address with a code mailed to it: verification method
-- 'mail'. SQLite cannot alter a CHECK constraint, and rebuilding
-- recipients would cascade-delete the rows that reference it; widening the
-- IN list changes no stored row, so the table's definition is edited in
-- place (SQLite's documented procedure for such changes) and the schema
-- cookie is bumped by a throw-away table, so every connection reloads it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''signin'', ''none'')', '''signin'', ''mail'', ''none'')')
    WHERE type = 'table' AND name = 'recipients';
PRAGMA writable_schema = OFF;
CREATE TABLE channel_schema_bump (x INTEGER);
DROP TABLE channel_schema_bump;

-- +goose Down
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''signin'', ''mail'', ''none'')', '''signin'', ''none'')')
    WHERE type = 'table' AND name = 'recipients';
PRAGMA writable_schema = OFF;
CREATE TABLE channel_schema_bump (x INTEGER);
DROP TABLE channel_schema_bump;
DROP TABLE channel_attachments;
DROP TABLE channel_messages;
DROP TABLE channel_code_sends;
DROP TABLE channel_challenges;
DROP TABLE channel_settings;
