-- +goose Up
-- A message's HTML body as the reader sees it: sanitized once, on the
-- first read, and kept in a blob encrypted like the body (safe_html_blob,
-- '' until then). safe_html_version is the sanitizer version that made
-- it; a blob of an older version is made again, so a change of what the
-- sanitizer keeps reaches stored messages.
ALTER TABLE messages ADD COLUMN safe_html_blob TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN safe_html_version INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN safe_html_version;
ALTER TABLE messages DROP COLUMN safe_html_blob;
