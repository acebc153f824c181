-- Whose browser session each is, so that a person's sessions can be ended
-- together (log out everywhere, or a platform admin ending them). NULL for
-- a session that holds no login (a login in progress).
ALTER TABLE sessions ADD COLUMN subject TEXT;
CREATE INDEX sessions_subject ON sessions (subject);
