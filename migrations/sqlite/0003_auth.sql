-- People and machine clients Palette has seen, and browser sessions.

CREATE TABLE users (
    id          TEXT PRIMARY KEY NOT NULL,  -- the OIDC subject; principal user:<id>
    kind        TEXT NOT NULL,              -- person | machine
    email       TEXT,
    name        TEXT,
    username    TEXT,
    groups      TEXT NOT NULL DEFAULT '[]', -- JSON array, from the last login
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        TEXT NOT NULL,              -- JSON
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
