-- OIDC endpoint check results, SQLite dialect. Times are Unix ms.

CREATE TABLE oidc_checks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    environment  TEXT NOT NULL,
    at           INTEGER NOT NULL,
    ok           INTEGER NOT NULL,             -- 1 when no rule failed
    report       TEXT NOT NULL,                -- JSON: palette_oidc_check::Report
    discovery_ms INTEGER,
    jwks_ms      INTEGER,
    total_ms     INTEGER NOT NULL,
    trigger      TEXT NOT NULL,                -- manual | schedule | promotion
    actor        TEXT NOT NULL
);
CREATE INDEX oidc_checks_environment_at ON oidc_checks (environment, at);

-- At most one pending (queued or running) check per environment: the
-- scheduler and manual requests insert with ON CONFLICT DO NOTHING, so many
-- processes never queue duplicates.
CREATE UNIQUE INDEX jobs_one_pending_oidc_check ON jobs (environment)
    WHERE kind = 'oidc.check' AND status IN ('queued', 'running');
