-- +goose Up
-- A user's run of wrong second-factor codes (TOTP and recovery codes
-- alike). Apart from the password's counters on purpose: a right password
-- never resets it; only a right code or an admin's unlock does. Past a few
-- failures no code is checked before not_before; past many the second
-- factor is locked (locked_at) until an admin unlocks it.
CREATE TABLE second_factor_failures (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id      INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    failures    INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL DEFAULT 0,
    locked_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX second_factor_failures_locked ON second_factor_failures (org_id, locked_at);

-- +goose Down
DROP TABLE second_factor_failures;
