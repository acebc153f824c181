-- Palette schema, SQLite dialect. Times are Unix milliseconds.

CREATE TABLE environments (
    name          TEXT PRIMARY KEY NOT NULL,
    tier          TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    channel       TEXT NOT NULL,
    oidc_issuer   TEXT NOT NULL,
    status        TEXT NOT NULL,
    layers        TEXT NOT NULL,  -- JSON array of layer names
    manifest      TEXT NOT NULL,  -- JSON object: application -> {charm, channel, revision}
    locked_reason TEXT,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    decision    TEXT NOT NULL,  -- allowed | denied
    reason      TEXT,
    before      TEXT,           -- JSON
    after       TEXT,           -- JSON
    request_id  TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_object ON audit_events (object, at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
