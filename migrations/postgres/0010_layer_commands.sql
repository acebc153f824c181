-- The state-locking commands (plan, apply) each claim of a layer job ran:
-- where, as whom, which process and when. Terraform never says which lock
-- it holds; when a later claim of the same job finds the state locked,
-- these tell a lock its own earlier run left behind (which it may unlock)
-- from anyone else's (which it must not). Times are Unix ms.
CREATE TABLE layer_commands (
    id         BIGSERIAL PRIMARY KEY,
    job_id     BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    claim      BIGINT NOT NULL,
    workspace  TEXT NOT NULL,
    operation  TEXT NOT NULL,
    who        TEXT NOT NULL,
    host       TEXT NOT NULL,
    pid        BIGINT,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX layer_commands_job ON layer_commands (job_id, workspace);
