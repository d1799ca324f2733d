-- 0006: users, and feeds shared by their subscriptions.
--
-- A feed is a source, fetched once however many users follow it; what
-- belongs to one user moves to subscriptions (their title, schedule,
-- origin, config file and line, what a config took over from them) and
-- subscription_tags (their tags, through tags, which gives each of a
-- user's tags a stable id). Read and starred move from items to
-- item_states, which holds a row only for an item a user has read or
-- starred: a row per (user, item) written at ingest would cost every
-- fetch once per subscriber (measured in BenchmarkUnreadCounts and the
-- README's multi-user run).
--
-- Unread counts would then be an anti-join over every item, which at
-- 1,000,000 items reads the whole items index (300 ms measured); so
-- feeds.item_count counts a feed's items and subscriptions.read_count the
-- subscriber's read items of it, and unread is their difference, read in
-- one pass over the user's subscriptions. item_count is kept by the code
-- that inserts and deletes items; read_count by the triggers below for
-- every change of item_states, and recounted by the code where items are
-- deleted or join a feed.
--
-- An existing database becomes the one user's, named "me": every feed a
-- subscription of theirs, every read and starred item theirs.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
);

-- App passwords, by their SHA-256 (hash) and their Fever API key.
CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	label      TEXT    NOT NULL DEFAULT '',
	hash       TEXT    NOT NULL UNIQUE,
	fever_key  TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	last_used  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_fever ON tokens (fever_key) WHERE fever_key <> '';

CREATE TABLE subscriptions (
	id             INTEGER PRIMARY KEY,
	user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	feed_id        INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	title          TEXT    NOT NULL DEFAULT '',
	schedule       TEXT    NOT NULL DEFAULT '',
	origin         TEXT    NOT NULL CHECK (origin IN ('user', 'config')),
	config_file    TEXT    NOT NULL DEFAULT '',
	config_line    INTEGER NOT NULL DEFAULT 0,
	prior_user     INTEGER NOT NULL DEFAULT 0,
	prior_title    TEXT    NOT NULL DEFAULT '',
	prior_schedule TEXT    NOT NULL DEFAULT '',
	prior_tags     TEXT    NOT NULL DEFAULT '[]',
	read_count     INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	UNIQUE (user_id, feed_id)
);
CREATE INDEX subscriptions_feed ON subscriptions (feed_id, user_id);

CREATE TABLE tags (
	id      INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name    TEXT    NOT NULL,
	UNIQUE (user_id, name)
);

CREATE TABLE subscription_tags (
	subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	tag_id          INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	pos             INTEGER NOT NULL,
	PRIMARY KEY (subscription_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX subscription_tags_tag ON subscription_tags (tag_id, subscription_id);

CREATE TABLE item_states (
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	read       INTEGER NOT NULL DEFAULT 0,
	starred    INTEGER NOT NULL DEFAULT 0,
	starred_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
CREATE INDEX item_states_item ON item_states (item_id, starred);
CREATE INDEX item_states_starred ON item_states (user_id, starred_at) WHERE starred = 1;

ALTER TABLE feeds ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
-- The URL a feed had before a permanent redirect moved it, so that it is
-- still found by it.
ALTER TABLE feeds ADD COLUMN moved_from TEXT NOT NULL DEFAULT '';
CREATE INDEX feeds_moved_from ON feeds (moved_from) WHERE moved_from <> '';

-- The existing database, as the one user's.
INSERT INTO users (id, name, created_at)
SELECT 1, 'me', coalesce((SELECT min(created_at) FROM feeds), CAST(strftime('%s', 'now') AS INTEGER) * 1000)
WHERE EXISTS (SELECT 1 FROM feeds) OR EXISTS (SELECT 1 FROM items);

INSERT INTO subscriptions (user_id, feed_id, title, schedule, origin, config_file, config_line,
	prior_user, prior_title, prior_schedule, prior_tags, created_at)
SELECT 1, id, user_title, schedule, origin, config_file, config_line,
	prior_user, prior_title, prior_schedule, prior_tags, created_at
FROM feeds;

INSERT INTO tags (user_id, name) SELECT DISTINCT 1, tag FROM feed_tags ORDER BY tag;
INSERT INTO subscription_tags (subscription_id, tag_id, pos)
SELECT s.id, t.id, ft.pos FROM feed_tags ft
JOIN subscriptions s ON s.feed_id = ft.feed_id
JOIN tags t ON t.user_id = 1 AND t.name = ft.tag;

INSERT INTO item_states (user_id, item_id, read, starred, starred_at)
SELECT 1, id, read, starred, CASE WHEN starred = 1 THEN first_seen ELSE 0 END
FROM items WHERE read = 1 OR starred = 1;

UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE items.feed_id = feeds.id);
UPDATE subscriptions SET read_count = (SELECT count(*) FROM items i
	JOIN item_states s ON s.user_id = subscriptions.user_id AND s.item_id = i.id AND s.read = 1
	WHERE i.feed_id = subscriptions.feed_id);

-- What moved out of feeds and items.
DROP TABLE feed_tags;
ALTER TABLE feeds DROP COLUMN user_title;
ALTER TABLE feeds DROP COLUMN schedule;
ALTER TABLE feeds DROP COLUMN origin;
ALTER TABLE feeds DROP COLUMN config_file;
ALTER TABLE feeds DROP COLUMN config_line;
ALTER TABLE feeds DROP COLUMN prior_user;
ALTER TABLE feeds DROP COLUMN prior_title;
ALTER TABLE feeds DROP COLUMN prior_schedule;
ALTER TABLE feeds DROP COLUMN prior_tags;
DROP INDEX items_feed_published;
DROP INDEX items_starred;
DROP INDEX items_published;
ALTER TABLE items DROP COLUMN read;
ALTER TABLE items DROP COLUMN starred;
CREATE INDEX items_feed_published ON items (feed_id, published, id);
-- A user's newest items are found walking this index and keeping those of
-- their feeds: with feed_id in it, without reading each item's row.
CREATE INDEX items_published ON items (published, id, feed_id);

-- read_count follows every change of a user's read state of an item of a
-- feed they subscribe to. Items that leave a feed (deleted) or join one
-- (a kept item of a feed subscribed again) are recounted by the code.
CREATE TRIGGER item_states_read_insert AFTER INSERT ON item_states WHEN new.read = 1 BEGIN
	UPDATE subscriptions SET read_count = read_count + 1
	WHERE user_id = new.user_id AND feed_id = (SELECT feed_id FROM items WHERE id = new.item_id);
END;
CREATE TRIGGER item_states_read_update AFTER UPDATE OF read ON item_states WHEN old.read <> new.read BEGIN
	UPDATE subscriptions SET read_count = read_count + CASE WHEN new.read = 1 THEN 1 ELSE -1 END
	WHERE user_id = new.user_id AND feed_id = (SELECT feed_id FROM items WHERE id = new.item_id);
END;
CREATE TRIGGER item_states_read_delete AFTER DELETE ON item_states WHEN old.read = 1 BEGIN
	UPDATE subscriptions SET read_count = read_count - 1
	WHERE user_id = old.user_id AND feed_id = (SELECT feed_id FROM items WHERE id = old.item_id);
END;
