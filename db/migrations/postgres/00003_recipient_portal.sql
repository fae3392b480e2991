-- +goose Up
-- The recipient portal: verification state per recipient, texts sent,
-- the per-organisation daily text counter, recipient sessions, replies and
-- the recipient's progress on the message's status.

-- One row per recipient that asked for a code or typed an access code.
-- code_hash is HMAC-SHA256 of the live SMS code ('' when none); failures
-- counts consecutive wrong entries of any kind and is reset only by a
-- success or an admin's unlock, never by a new code.
CREATE TABLE recipient_challenges (
    recipient_id     BIGINT PRIMARY KEY REFERENCES recipients(id) ON DELETE CASCADE,
    org_id           BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    code_hash        TEXT    NOT NULL DEFAULT '',
    code_expires_at  BIGINT  NOT NULL DEFAULT 0,
    code_failures    BIGINT  NOT NULL DEFAULT 0,
    code_sent_at     BIGINT  NOT NULL DEFAULT 0,
    failures         BIGINT  NOT NULL DEFAULT 0,
    locked_at        BIGINT ,
    forgot_at        BIGINT  NOT NULL DEFAULT 0
);

-- Every text handed to the gateway, for the hourly limit per recipient
-- (never the number or the code).
CREATE TABLE sms_sends (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    recipient_id  BIGINT  NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    sent_at       BIGINT  NOT NULL
);
CREATE INDEX sms_sends_recipient ON sms_sends(recipient_id, sent_at);

-- Texts per organisation per UTC day, raised atomically under the cap.
CREATE TABLE sms_daily (
    org_id  BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    day     TEXT    NOT NULL,
    sent    BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day)
);

-- A recipient's session: one recipient of one message. id_hash is the
-- SHA-256 of the cookie's 256-bit token.
CREATE TABLE recipient_sessions (
    id_hash       TEXT    PRIMARY KEY,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    recipient_id  BIGINT  NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    message_id    BIGINT  NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX recipient_sessions_recipient ON recipient_sessions(recipient_id);
CREATE INDEX recipient_sessions_expiry ON recipient_sessions(expires_at);

-- A recipient's reply: the body is an encrypted blob, file names sealed.
CREATE TABLE replies (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    message_id    BIGINT  NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    recipient_id  BIGINT  NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    text_blob     TEXT    NOT NULL DEFAULT '',
    size          BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX replies_message ON replies(org_id, message_id, created_at);
CREATE INDEX replies_recipient ON replies(recipient_id, created_at);
CREATE INDEX replies_blob ON replies(text_blob);

CREATE TABLE reply_attachments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reply_id      BIGINT  NOT NULL REFERENCES replies(id) ON DELETE CASCADE,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    position      BIGINT  NOT NULL,
    blob_id       TEXT    NOT NULL,
    filename      BYTEA    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          BIGINT  NOT NULL
);
CREATE INDEX reply_attachments_reply ON reply_attachments(reply_id);
CREATE INDEX reply_attachments_blob ON reply_attachments(blob_id);

-- The recipient's progress, kept beside status for the sender's status page.
ALTER TABLE recipients ADD COLUMN verified_at BIGINT ;
ALTER TABLE recipients ADD COLUMN opened_at BIGINT ;
ALTER TABLE recipients ADD COLUMN replied_at BIGINT ;

-- +goose Down
ALTER TABLE recipients DROP COLUMN replied_at;
ALTER TABLE recipients DROP COLUMN opened_at;
ALTER TABLE recipients DROP COLUMN verified_at;
DROP TABLE reply_attachments;
DROP TABLE replies;
DROP TABLE recipient_sessions;
DROP TABLE sms_daily;
DROP TABLE sms_sends;
DROP TABLE recipient_challenges;
