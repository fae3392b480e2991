-- +goose Up
-- Keys of the contact-sync API. Only the SHA-256 of a key is stored (the
-- key carries 256 random bits); prefix is its first characters, to tell
-- keys apart on the page. A revoked key stays, for the audit log.
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_keys_org ON api_keys(org_id, created_at);

-- Entries of the organisation's book whose field is changed back and forth
-- by different sources ("who keeps overwriting?"). One row per entry and
-- field; a new flip-flop after a dismissal opens it again.
CREATE TABLE contact_flags (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,
    field         TEXT    NOT NULL,
    sources       TEXT    NOT NULL,
    actors        TEXT    NOT NULL,
    flips         INTEGER NOT NULL DEFAULT 1,
    first_at      INTEGER NOT NULL,
    last_at       INTEGER NOT NULL,
    dismissed_at  INTEGER,
    dismissed_by  TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX contact_flags_entry_field ON contact_flags(org_id, contact_id, field);
CREATE INDEX contact_flags_open ON contact_flags(org_id, dismissed_at, last_at);
CREATE INDEX contact_history_field ON contact_history(org_id, contact_id, field, changed_at);

-- +goose Down
DROP INDEX contact_history_field;
DROP TABLE contact_flags;
DROP TABLE api_keys;
