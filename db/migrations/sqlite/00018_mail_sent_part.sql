-- +goose Up
-- One notification job now mails every recipient of a message, so a job
-- sends several mails: each is recorded on its own, named by the job and
-- a part (the recipient's id; 0 for a job that sends one mail). SQLite
-- cannot change a primary key in place: the table is rebuilt.
CREATE TABLE mail_sent_parts (
    org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    job_id       INTEGER NOT NULL,
    job_created  INTEGER NOT NULL,
    part         INTEGER NOT NULL DEFAULT 0,
    kind         TEXT    NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (org_id, job_id, job_created, part)
);
INSERT INTO mail_sent_parts (org_id, job_id, job_created, part, kind, sent_at)
    SELECT org_id, job_id, job_created, 0, kind, sent_at FROM mail_sent;
DROP TABLE mail_sent;
ALTER TABLE mail_sent_parts RENAME TO mail_sent;
CREATE INDEX mail_sent_at ON mail_sent(sent_at);

-- +goose Down
CREATE TABLE mail_sent_one (
    org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    job_id       INTEGER NOT NULL,
    job_created  INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (org_id, job_id, job_created)
);
INSERT INTO mail_sent_one (org_id, job_id, job_created, kind, sent_at)
    SELECT org_id, job_id, job_created, kind, MIN(sent_at) FROM mail_sent GROUP BY org_id, job_id, job_created, kind;
DROP TABLE mail_sent;
ALTER TABLE mail_sent_one RENAME TO mail_sent;
CREATE INDEX mail_sent_at ON mail_sent(sent_at);
