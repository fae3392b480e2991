-- +goose Up
-- Every submission looks for its sender's held drafts (to supersede them);
-- without this index that read every message the sender ever sent.
CREATE INDEX messages_held ON messages(org_id, sender_id) WHERE state = 'held';

-- +goose Down
DROP INDEX messages_held;
