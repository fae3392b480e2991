-- +goose Up
-- The audit log: append-only. No statement in Sluis updates or deletes a
-- row of it; the store has no method that could.
CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    at          BIGINT  NOT NULL,
    actor_id    BIGINT,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    outcome     TEXT    NOT NULL DEFAULT 'ok',
    before      TEXT    NOT NULL DEFAULT '',
    after       TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_org_at ON audit_events(org_id, at);
CREATE INDEX audit_events_org_kind ON audit_events(org_id, kind, at);

-- +goose Down
DROP TABLE audit_events;
