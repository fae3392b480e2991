-- +goose Up
-- One notification job now mails every recipient of a message, so a job
-- sends several mails: each is recorded on its own, named by the job and
-- a part (the recipient's id; 0 for a job that sends one mail).
ALTER TABLE mail_sent ADD COLUMN part BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mail_sent DROP CONSTRAINT mail_sent_pkey;
ALTER TABLE mail_sent ADD PRIMARY KEY (org_id, job_id, job_created, part);

-- +goose Down
DELETE FROM mail_sent WHERE part <> 0;
ALTER TABLE mail_sent DROP CONSTRAINT mail_sent_pkey;
ALTER TABLE mail_sent ADD PRIMARY KEY (org_id, job_id, job_created);
ALTER TABLE mail_sent DROP COLUMN part;
