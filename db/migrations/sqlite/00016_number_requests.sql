-- +goose Up
-- "This is not my number any more": a recipient tells the sender that the
-- mobile number a message shows (masked) is no longer theirs. uid names
-- the request in the sender's link; note is the recipient's optional note,
-- sealed like a subject; network is the requester's network (an IPv4 /24
-- or IPv6 /64), kept for the per-network limit; old_display the masked
-- number the recipient saw. mailed says whether this
-- request mailed the sender (the per-link limit lets a few through).
CREATE TABLE number_requests (
    id            INTEGER PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    message_id    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    recipient_id  INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    network       TEXT    NOT NULL,
    old_display   TEXT    NOT NULL DEFAULT '',
    note          BLOB,
    mailed        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    done_at       INTEGER,
    done_by       INTEGER
);
CREATE INDEX number_requests_recipient ON number_requests(recipient_id, created_at);
CREATE INDEX number_requests_network ON number_requests(network, created_at);

-- +goose Down
DROP TABLE number_requests;
