-- +goose Up
-- Organisations, their mail domains, the unit tree, users, groups and
-- address books. Times are Unix microseconds (UTC) in both dialects.

CREATE TABLE organizations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL,
    country     TEXT    NOT NULL DEFAULT 'NL',
    language    TEXT    NOT NULL DEFAULT 'nl',
    created_at  BIGINT  NOT NULL
);

CREATE TABLE org_domains (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id   BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    domain   TEXT    NOT NULL UNIQUE
);
CREATE INDEX org_domains_org ON org_domains(org_id);

CREATE TABLE units (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    parent_id   BIGINT  REFERENCES units(id),
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX units_org ON units(org_id);
CREATE UNIQUE INDEX units_one_root ON units(org_id) WHERE parent_id IS NULL;

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    unit_id        BIGINT  NOT NULL REFERENCES units(id),
    email          TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL DEFAULT '',
    role           TEXT    NOT NULL CHECK (role IN ('sender', 'admin')),
    language       TEXT    NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'fr', 'en')),
    password_hash  TEXT    NOT NULL DEFAULT '',
    disabled       BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX users_org ON users(org_id);

-- Every address that belongs to someone or something is unique across
-- Sluis: a user's primary address, an alias, or a group.
CREATE TABLE user_aliases (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id   BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address   TEXT    NOT NULL UNIQUE
);
CREATE INDEX user_aliases_user ON user_aliases(user_id);

CREATE TABLE groups (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    address     TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);
CREATE INDEX groups_org ON groups(org_id);

CREATE TABLE group_members (
    group_id  BIGINT  NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    address   TEXT    NOT NULL,
    PRIMARY KEY (group_id, address)
);

-- An address book entry. owner_user_id NULL is the organisation's book;
-- otherwise it is that user's personal book. kind 'address' holds one
-- address in email, kind 'domain' a whole domain (an organisation-wide code).
CREATE TABLE contacts (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id            BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    owner_user_id     BIGINT  REFERENCES users(id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL CHECK (kind IN ('address', 'domain')),
    email             TEXT    NOT NULL,
    full_name         TEXT    NOT NULL DEFAULT '',
    phone             TEXT    NOT NULL DEFAULT '',
    access_code_hash  TEXT    NOT NULL DEFAULT '',
    access_code_hint  TEXT    NOT NULL DEFAULT '',
    source            TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX contacts_book_email ON contacts(org_id, COALESCE(owner_user_id, 0), email);

-- History outlives the entry, so no foreign key to contacts.
CREATE TABLE contact_history (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    contact_id     BIGINT  NOT NULL,
    owner_user_id  BIGINT,
    email          TEXT    NOT NULL,
    field          TEXT    NOT NULL,
    old_value      TEXT    NOT NULL,
    new_value      TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    changed_at     BIGINT  NOT NULL
);
CREATE INDEX contact_history_contact ON contact_history(org_id, contact_id, changed_at);

-- +goose Down
DROP TABLE contact_history;
DROP TABLE contacts;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE user_aliases;
DROP TABLE users;
DROP TABLE units;
DROP TABLE org_domains;
DROP TABLE organizations;
