-- Relationship tuples for the embedded authorizer (OpenFGA's model, evaluated
-- in-process): object#relation@subject, e.g. environment:blue#owner@user:anne.

CREATE TABLE authz_tuples (
    object      TEXT NOT NULL,
    relation    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (object, relation, subject)
);
CREATE INDEX authz_tuples_subject ON authz_tuples (subject);
