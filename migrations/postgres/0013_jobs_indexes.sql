-- Fewer, smaller indexes on jobs (issue #13). Claims and completions change
-- `status`, so they are never HOT updates: every index gets an entry for the
-- row's new version unless it is a partial index the new version is not in.
-- So: full indexes only where every job needs one (the key, and jobs of an
-- environment); the rest cover only the queued or the running jobs.

-- (status, run_at, id) over every job: next_due and the queue's stats read
-- jobs_queued (run_at, id) WHERE status = 'queued'; claims read the two
-- below; reclaiming expired leases reads jobs_running.
DROP INDEX jobs_due;
-- (concurrency_key, status, id) over every job: a claim looks up keys only
-- among queued jobs (jobs_queued_key) and running ones
-- (jobs_one_running_per_key).
DROP INDEX jobs_key;
-- Jobs without an environment (such as no-op and maintenance jobs) are never
-- looked up by environment.
DROP INDEX jobs_environment;
CREATE INDEX jobs_environment ON jobs (environment, id) WHERE environment IS NOT NULL;
-- Due jobs without a key, in due order: a claim takes the first few.
CREATE INDEX jobs_queued_free ON jobs (run_at, id) WHERE status = 'queued' AND concurrency_key IS NULL;
-- Queued jobs with a key, by key: a claim skips from key to key and takes
-- each key's oldest, so jobs waiting behind a busy key are never scanned.
CREATE INDEX jobs_queued_key ON jobs (concurrency_key, id) WHERE status = 'queued' AND concurrency_key IS NOT NULL;
-- Running jobs by lease end: taking back the expired ones.
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';

-- Wakes LISTENing workers when a running job is asked to stop, so that its
-- layer gets SIGINT at once, whichever process runs it (the lease watcher
-- otherwise notices at its next check).
CREATE FUNCTION palette_cancels_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('palette_cancels', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify_cancel AFTER UPDATE OF cancel_requested ON jobs
    FOR EACH ROW WHEN (NEW.cancel_requested <> 0 AND OLD.cancel_requested = 0 AND NEW.status = 'running')
    EXECUTE FUNCTION palette_cancels_notify();
