-- 0004: the web page's sessions and each user's settings of it.
--
-- A session row holds the SHA-256 of the cookie's secret, never the
-- secret. Both tables go with their user (ON DELETE CASCADE).

CREATE TABLE sessions (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hash       text        NOT NULL UNIQUE,
	created_at timestamptz NOT NULL,
	last_seen  timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	user_agent text        NOT NULL DEFAULT '',
	address    text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One row per user who changed a setting; none means the defaults.
CREATE TABLE prefs (
	user_id      bigint  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	theme        text    NOT NULL DEFAULT 'auto',
	oldest       boolean NOT NULL DEFAULT false,
	mark_on_open boolean NOT NULL DEFAULT true
);
