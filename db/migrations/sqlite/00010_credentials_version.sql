-- +goose Up
-- A user's credentials version, raised with every new password, so that a
-- sign-in that outlives the change (an open SMTP connection, which signed
-- in once) is refused at its next transaction.
ALTER TABLE users ADD COLUMN credentials_version INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN credentials_version;
