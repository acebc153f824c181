-- The state-locking commands (plan, apply) each claim of a layer job ran:
-- where, as whom, which process and when. Terraform never says which lock
-- it holds; when a later claim of the same job finds the state locked,
-- these tell a lock its own earlier run left behind (which it may unlock)
-- from anyone else's (which it must not). Times are Unix ms.
CREATE TABLE layer_commands (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    claim      INTEGER NOT NULL,
    workspace  TEXT NOT NULL,
    operation  TEXT NOT NULL,
    who        TEXT NOT NULL,
    host       TEXT NOT NULL,
    pid        INTEGER,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX layer_commands_job ON layer_commands (job_id, workspace);
