-- +goose Up
-- The orphan-blob sweeper asks, for every blob older than an hour, whether
-- a message points at it (Store.BlobReferenced). Without these indexes each
-- question read the whole messages table: a million scans of a million
-- rows per sweep on a store a year old. Attachments, replies and the
-- secure channel's tables have theirs already.
CREATE INDEX messages_text_blob ON messages(text_blob);
CREATE INDEX messages_html_blob ON messages(html_blob);
CREATE INDEX messages_safe_html_blob ON messages(safe_html_blob);

-- +goose Down
DROP INDEX messages_safe_html_blob;
DROP INDEX messages_html_blob;
DROP INDEX messages_text_blob;
