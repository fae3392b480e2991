-- +goose Up
-- Every submission looks for its sender's held drafts (to supersede them);
-- without this index that read every message the sender ever sent. It
-- carries created_at so that the query's ORDER BY comes from it too, or
-- SQLite prefers messages_sender and reads every message again.
CREATE INDEX messages_held ON messages(org_id, sender_id, created_at) WHERE state = 'held';

-- +goose Down
DROP INDEX messages_held;
