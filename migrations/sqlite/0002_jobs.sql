-- The durable job queue and layer outputs, SQLite dialect. Times are Unix ms.

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,            -- JSON
    status           TEXT NOT NULL,            -- queued | running | succeeded | failed | cancelled
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    run_at           INTEGER NOT NULL,
    actor            TEXT NOT NULL,
    environment      TEXT,
    concurrency_key  TEXT,                     -- at most one running job per key
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    fencing_token    INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_error       TEXT,
    stopped_at       TEXT,                     -- layer/phase where a failed or cancelled job stopped
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at, id);
CREATE INDEX jobs_key ON jobs (concurrency_key, status, id);
CREATE INDEX jobs_environment ON jobs (environment, id);
CREATE UNIQUE INDEX jobs_one_running_per_key ON jobs (concurrency_key) WHERE status = 'running';

CREATE TABLE job_steps (
    job_id            INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    layer             TEXT NOT NULL,
    phase             TEXT NOT NULL,           -- plan | apply
    status            TEXT NOT NULL,           -- pending | running | succeeded | failed | cancelled
    started_at        INTEGER,
    finished_at       INTEGER,
    resources_done    INTEGER NOT NULL DEFAULT 0,
    resources_planned INTEGER NOT NULL DEFAULT 0,
    plan_add          INTEGER,
    plan_change       INTEGER,
    plan_destroy      INTEGER,
    message           TEXT,
    PRIMARY KEY (job_id, position)
);

CREATE TABLE job_logs (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,                   -- increases by one per line within a job
    step   INTEGER,                            -- job_steps.position, when the line belongs to one
    at     INTEGER NOT NULL,
    line   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE layer_outputs (
    environment TEXT NOT NULL,
    layer       TEXT NOT NULL,
    outputs     TEXT NOT NULL,                 -- JSON object: name -> value
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (environment, layer)
);
