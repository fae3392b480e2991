-- +goose Up
-- Read receipts (RFC 8098 disposition notifications): one row per
-- recipient whose reader was asked and answered, or for whom a receipt
-- was sent automatically. The row outlives the purged content, like the
-- recipient's status, and is what the sender's status page shows.
CREATE TABLE read_receipts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    message_id    BIGINT  NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    recipient_id  BIGINT  NOT NULL UNIQUE REFERENCES recipients(id) ON DELETE CASCADE,
    send_to       TEXT    NOT NULL,
    action        TEXT    NOT NULL,  -- manual, automatic
    state         TEXT    NOT NULL,  -- queued, sent, declined, failed
    decided_at    BIGINT  NOT NULL,
    sent_at       BIGINT
);
CREATE INDEX read_receipts_message ON read_receipts(message_id);

-- +goose Down
DROP TABLE read_receipts;
