-- +goose Up
-- How many remote images the kept sanitized body holds back, recorded
-- with the body (Store.SetSafeHTML): the reader's page shows "Show
-- images (N)" without opening, and decrypting, the body's blob, which
-- only the frame needs. A count, like the message's size, says nothing
-- of what the mail says. -1: not recorded (bodies kept before this), read
-- from the blob's first line as before.
ALTER TABLE messages ADD COLUMN safe_html_blocked INTEGER NOT NULL DEFAULT -1;

-- +goose Down
ALTER TABLE messages DROP COLUMN safe_html_blocked;
