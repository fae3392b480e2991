-- +goose Up
-- Proof of delivery (NTA 7516). raw_sha256 is the SHA-256 of the message
-- exactly as the intake received it (the DATA stream, hex), '' for mail
-- that came in before it was kept; it outlives the purged content, like
-- the status. relay_reply is the relay's text after the final dot of the
-- recipient's notification (its queue id, typically), '' when unknown.
-- Recipients' views and downloads are audit events whose target is the
-- message: the index serves the proof's lookup of one message's events.
ALTER TABLE messages ADD COLUMN raw_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE recipients ADD COLUMN relay_reply TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_org_target ON audit_events(org_id, target, at);

-- +goose Down
DROP INDEX audit_events_org_target;
ALTER TABLE recipients DROP COLUMN relay_reply;
ALTER TABLE messages DROP COLUMN raw_sha256;
