-- People and machine clients Palette has seen, and browser sessions.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    email       TEXT,
    name        TEXT,
    username    TEXT,
    groups      TEXT NOT NULL DEFAULT '[]',
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    data        TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
