-- +goose Up
-- Messages that entered through the intake, their encrypted parts and
-- their recipients. Content lives in encrypted blobs; the subject and file
-- names are sealed fields; the database holds metadata only.

CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY,
    uid                TEXT    NOT NULL UNIQUE,
    org_id             INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    sender_id          INTEGER NOT NULL REFERENCES users(id),
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    state              TEXT    NOT NULL CHECK (state IN ('held', 'released', 'superseded', 'expired', 'revoked')),
    subject            BLOB    NOT NULL,
    header_message_id  TEXT    NOT NULL DEFAULT '',
    text_blob          TEXT    NOT NULL DEFAULT '',
    html_blob          TEXT    NOT NULL DEFAULT '',
    size               INTEGER NOT NULL,
    receipt_to         TEXT    NOT NULL DEFAULT '',
    problems           TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    released_at        INTEGER,
    expires_at         INTEGER NOT NULL
);
CREATE INDEX messages_sender ON messages(org_id, sender_id, created_at);
CREATE INDEX messages_state_expiry ON messages(state, expires_at);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    blob_id       TEXT    NOT NULL,
    filename      BLOB    NOT NULL,
    content_type  TEXT    NOT NULL,
    content_id    TEXT    NOT NULL DEFAULT '',
    inline        INTEGER NOT NULL DEFAULT 0,
    size          INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);
CREATE INDEX attachments_blob ON attachments(blob_id);

-- One row per recipient of a message. method and data are what resolution
-- chose; problem is why a recipient lacks data (the message is then held).
-- token_hash is the SHA-256 of the recipient's link token; the token is
-- derived from link_nonce with a key only the server holds.
CREATE TABLE recipients (
    id                INTEGER PRIMARY KEY,
    message_id        INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    org_id            INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    address           TEXT    NOT NULL,
    field             TEXT    NOT NULL CHECK (field IN ('to', 'cc', 'bcc')),
    internal          INTEGER NOT NULL DEFAULT 0,
    method            TEXT    NOT NULL CHECK (method IN ('sms', 'access_code', 'signin', 'none')),
    phone             TEXT    NOT NULL DEFAULT '',
    access_code_hash  TEXT    NOT NULL DEFAULT '',
    access_code_hint  TEXT    NOT NULL DEFAULT '',
    data_source       TEXT    NOT NULL DEFAULT '',
    display           TEXT    NOT NULL DEFAULT '',
    problem           TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'pending',
    status_at         INTEGER NOT NULL,
    link_nonce        TEXT    NOT NULL,
    token_hash        TEXT    NOT NULL UNIQUE,
    notified_at       INTEGER,
    bounce            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX recipients_message ON recipients(message_id);

-- +goose Down
DROP TABLE recipients;
DROP TABLE attachments;
DROP TABLE messages;
