-- Notifications: webhooks platform admins configure, and one delivery per
-- notification and webhook. A delivery row and the job that sends it are
-- written in the transaction of what happened (a promotion's transition, a
-- failed job, a check that turned), so none is lost or sent for something
-- that rolled back. Times are Unix ms.

CREATE TABLE webhooks (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    format      TEXT NOT NULL,            -- json | slack
    secret      TEXT,                     -- write-only: no read returns it
    environment TEXT,                     -- NULL: every environment
    events      TEXT NOT NULL,            -- JSON array; empty: every event
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    environment     TEXT NOT NULL,
    summary         TEXT NOT NULL,
    body            TEXT NOT NULL,        -- JSON: the notification as sent
    status          TEXT NOT NULL,        -- pending | delivered | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    response_status BIGINT,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    job_id          BIGINT
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
