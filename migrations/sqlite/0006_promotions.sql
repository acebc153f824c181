-- Promotions, deployment history, holds, policies and releases, SQLite
-- dialect. Times are Unix ms; JSON is kept as TEXT.

CREATE TABLE promotions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source        TEXT NOT NULL,
    target        TEXT NOT NULL,
    state         TEXT NOT NULL,
    applications  TEXT NOT NULL,               -- JSON: [application]
    incoming      TEXT NOT NULL,               -- JSON: Manifest (pinned)
    incoming_id   TEXT NOT NULL,               -- sha256: of the canonical JSON
    previous      TEXT NOT NULL,               -- JSON: Manifest before
    rollback_to   TEXT,                        -- JSON: Manifest a rollback applies
    diff          TEXT NOT NULL,               -- JSON: [DiffRow]
    warnings      TEXT NOT NULL,               -- JSON: [Warning]
    plans         TEXT NOT NULL,               -- JSON: [WorkspacePlan]
    plan_hash     TEXT,
    policy        TEXT NOT NULL,               -- JSON: PromotionPolicy when opened
    checks        TEXT NOT NULL,               -- JSON: [VerificationCheck]
    acknowledged  INTEGER NOT NULL,
    requested_by  TEXT NOT NULL,
    message       TEXT NOT NULL,
    job_id        INTEGER,
    deployment_id INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX promotions_target_id ON promotions (target, id);
CREATE INDEX promotions_source_id ON promotions (source, id);

CREATE TABLE promotion_approvals (
    promotion_id INTEGER NOT NULL,
    approver     TEXT NOT NULL,
    verdict      TEXT NOT NULL,                -- approve | reject
    comment      TEXT NOT NULL,
    plan_hash    TEXT NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (promotion_id, approver, plan_hash)
);

CREATE TABLE promotion_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    promotion_id INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    state        TEXT NOT NULL,
    message      TEXT NOT NULL
);
CREATE INDEX promotion_events_promotion ON promotion_events (promotion_id, id);

CREATE TABLE deployments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    environment    TEXT NOT NULL,
    release_set    TEXT NOT NULL,              -- JSON: Manifest
    release_set_id TEXT NOT NULL,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    promotion_id   INTEGER,
    job_id         INTEGER,
    verified       INTEGER NOT NULL,
    rollback       INTEGER NOT NULL
);
CREATE INDEX deployments_environment_id ON deployments (environment, id);

CREATE TABLE holds (
    environment  TEXT NOT NULL,
    application  TEXT NOT NULL,
    charm        TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    at           INTEGER NOT NULL,
    by_actor     TEXT NOT NULL,
    promotion_id INTEGER,
    PRIMARY KEY (environment, application, revision)
);

CREATE TABLE promotion_policies (
    environment TEXT PRIMARY KEY,
    policy      TEXT NOT NULL                  -- JSON: PromotionPolicy
);

CREATE TABLE releases (
    charm    TEXT NOT NULL,
    channel  TEXT NOT NULL,
    revision INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    by_actor TEXT NOT NULL,
    PRIMARY KEY (charm, channel, revision)
);
