-- +goose Up
-- A mail job's proof that the relay accepted its mail, written right after
-- the relay's 250 and read before a retry sends again. River records a
-- job's completion only after the job returns, so without this a crash
-- between the 250 and that record would send the same mail twice. A job is
-- named by its id and the time River created it: SQLite may give a deleted
-- job's id to a new one, never with the same creation time.
CREATE TABLE mail_sent (
    org_id       BIGINT  NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    job_id       BIGINT  NOT NULL,
    job_created  BIGINT  NOT NULL,
    kind         TEXT    NOT NULL,
    sent_at      BIGINT  NOT NULL,
    PRIMARY KEY (org_id, job_id, job_created)
);
CREATE INDEX mail_sent_at ON mail_sent(sent_at);

-- +goose Down
DROP TABLE mail_sent;
