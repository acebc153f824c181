-- OIDC endpoint check results, PostgreSQL dialect. Times are Unix ms.

CREATE TABLE oidc_checks (
    id           BIGSERIAL PRIMARY KEY,
    environment  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    ok           BIGINT NOT NULL,              -- 1 when no rule failed
    report       TEXT NOT NULL,                -- JSON: palette_oidc_check::Report
    discovery_ms BIGINT,
    jwks_ms      BIGINT,
    total_ms     BIGINT NOT NULL,
    trigger      TEXT NOT NULL,                -- manual | schedule | promotion
    actor        TEXT NOT NULL
);
CREATE INDEX oidc_checks_environment_at ON oidc_checks (environment, at);

-- At most one pending (queued or running) check per environment: the
-- scheduler and manual requests insert with ON CONFLICT DO NOTHING, so many
-- processes never queue duplicates.
CREATE UNIQUE INDEX jobs_one_pending_oidc_check ON jobs (environment)
    WHERE kind = 'oidc.check' AND status IN ('queued', 'running');
