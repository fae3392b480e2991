-- +goose Up
-- What the MIME parser repaired in a message it accepted: a JSON list of
-- {"kind", "where"} (no content, no personal data), '' when nothing was.
-- The read page and the sender's status say that part of the message could
-- not be shown as the sender's program intended.
ALTER TABLE messages ADD COLUMN defects TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN defects;
