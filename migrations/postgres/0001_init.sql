-- Palette schema, PostgreSQL dialect. Times are Unix milliseconds.

CREATE TABLE environments (
    name          TEXT PRIMARY KEY,
    tier          TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    channel       TEXT NOT NULL,
    oidc_issuer   TEXT NOT NULL,
    status        TEXT NOT NULL,
    layers        TEXT NOT NULL,
    manifest      TEXT NOT NULL,
    locked_reason TEXT,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE audit_events (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    decision    TEXT NOT NULL,
    reason      TEXT,
    before      TEXT,
    after       TEXT,
    request_id  TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_object ON audit_events (object, at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
