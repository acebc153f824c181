-- Releases from CI: an id per release, the application and resources it
-- carries, where it went (release_outcomes), quarantines, and promotions
-- whose source is a release. PostgreSQL dialect.

ALTER TABLE releases RENAME TO releases_0006;

CREATE TABLE releases (
    id          BIGSERIAL PRIMARY KEY,
    application TEXT NOT NULL,
    charm       TEXT NOT NULL,
    channel     TEXT NOT NULL,                 -- with its track: latest/edge
    revision    BIGINT NOT NULL,
    resources   TEXT NOT NULL,                 -- JSON: {name: revision}
    at          BIGINT NOT NULL,
    by_actor    TEXT NOT NULL,
    UNIQUE (charm, channel, revision)
);
CREATE INDEX releases_charm_channel ON releases (charm, channel, id);

-- Releases recorded before had no application (the charm names it) and
-- channels without a track (which means latest).
INSERT INTO releases (application, charm, channel, revision, resources, at, by_actor)
SELECT charm, charm,
       CASE WHEN channel LIKE '%/%' THEN channel ELSE 'latest/' || channel END,
       revision, '{}', at, by_actor
FROM releases_0006 ORDER BY at, charm, channel, revision;
DROP TABLE releases_0006;

CREATE TABLE release_outcomes (
    release_id   BIGINT NOT NULL,
    environment  TEXT NOT NULL,
    promotion_id BIGINT,                       -- none: nothing was opened
    note         TEXT NOT NULL,                -- why not, or empty
    PRIMARY KEY (release_id, environment)
);

CREATE TABLE quarantines (
    charm    TEXT NOT NULL,
    revision BIGINT NOT NULL,
    reason   TEXT NOT NULL,
    at       BIGINT NOT NULL,
    by_actor TEXT NOT NULL,
    PRIMARY KEY (charm, revision)
);

ALTER TABLE promotions ADD COLUMN release_id BIGINT;
ALTER TABLE promotions ADD COLUMN source_release TEXT;  -- JSON: ReleaseRef
CREATE INDEX promotions_release ON promotions (release_id);
