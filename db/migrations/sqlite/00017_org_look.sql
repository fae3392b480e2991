-- +goose Up
-- An organisation's look on recipient pages and in its mail: the name shown,
-- the support line, the accent colour and a logo (PNG, or SVG already
-- sanitized; at most a few hundred KB, so it lives here rather than in the
-- blob store and every instance serves it). token changes with every save:
-- the logo and stylesheet URLs carry it, so they are cached for good and do
-- not reveal the organisation's id.
CREATE TABLE org_looks (
    org_id        INTEGER PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    token         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL DEFAULT '',
    support_line  TEXT    NOT NULL DEFAULT '',
    accent        TEXT    NOT NULL DEFAULT '',
    logo_type     TEXT    NOT NULL DEFAULT '',
    logo          BLOB,
    updated_at    INTEGER NOT NULL
);

-- +goose Down
DROP TABLE org_looks;
