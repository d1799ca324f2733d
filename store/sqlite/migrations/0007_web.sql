-- 0007: the web page's sessions and each user's settings of it.
--
-- A session row holds the SHA-256 of the cookie's secret, never the
-- secret. Both tables go with their user (ON DELETE CASCADE).

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hash       TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	user_agent TEXT    NOT NULL DEFAULT '',
	address    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One row per user who changed a setting; none means the defaults.
CREATE TABLE prefs (
	user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	theme        TEXT    NOT NULL DEFAULT 'auto',
	oldest       INTEGER NOT NULL DEFAULT 0,
	mark_on_open INTEGER NOT NULL DEFAULT 1
);
