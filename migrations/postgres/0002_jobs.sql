-- The durable job queue and layer outputs, PostgreSQL dialect. Times are Unix ms.

CREATE TABLE jobs (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    max_attempts     BIGINT NOT NULL,
    run_at           BIGINT NOT NULL,
    actor            TEXT NOT NULL,
    environment      TEXT,
    concurrency_key  TEXT,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    fencing_token    BIGINT NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    stopped_at       TEXT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at, id);
CREATE INDEX jobs_queued ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_key ON jobs (concurrency_key, status, id);
CREATE INDEX jobs_environment ON jobs (environment, id);
CREATE UNIQUE INDEX jobs_one_running_per_key ON jobs (concurrency_key) WHERE status = 'running';

-- Wakes LISTENing workers when a job becomes claimable (queued) or releases
-- its concurrency key (finished with a key; keyless completions stay quiet,
-- since NOTIFY serialises commits). Sent in the writing transaction, so it
-- fires on commit; PostgreSQL folds duplicates within a transaction.
CREATE FUNCTION palette_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('palette_jobs', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION palette_jobs_notify();
CREATE TRIGGER jobs_notify_status AFTER UPDATE OF status ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued' OR (NEW.status <> 'running' AND NEW.concurrency_key IS NOT NULL))
    EXECUTE FUNCTION palette_jobs_notify();

CREATE TABLE job_steps (
    job_id            BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    position          BIGINT NOT NULL,
    layer             TEXT NOT NULL,
    phase             TEXT NOT NULL,
    status            TEXT NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT,
    resources_done    BIGINT NOT NULL DEFAULT 0,
    resources_planned BIGINT NOT NULL DEFAULT 0,
    plan_add          BIGINT,
    plan_change       BIGINT,
    plan_destroy      BIGINT,
    message           TEXT,
    PRIMARY KEY (job_id, position)
);

CREATE TABLE job_logs (
    job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,
    step   BIGINT,
    at     BIGINT NOT NULL,
    line   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE layer_outputs (
    environment TEXT NOT NULL,
    layer       TEXT NOT NULL,
    outputs     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (environment, layer)
);
