-- Each stored OIDC check names the job that ran it and keeps its verdict
-- (pass | warn | fail), so lists show a check job's verdict and the
-- overview reads every environment's verdict without decoding reports.
-- Rows from before this migration have neither; a failed one is `fail`,
-- the others are read from their report.

ALTER TABLE oidc_checks ADD COLUMN job_id BIGINT;
ALTER TABLE oidc_checks ADD COLUMN status TEXT;
UPDATE oidc_checks SET status = 'fail' WHERE ok = 0;
CREATE INDEX oidc_checks_job ON oidc_checks (job_id);
