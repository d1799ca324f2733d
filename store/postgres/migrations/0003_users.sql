-- 0003: users, and feeds shared by their subscriptions.
--
-- A feed is a source, fetched once however many users follow it; what
-- belongs to one user moves to subscriptions (their title, schedule,
-- origin, config file and line, what a config took over from them) and
-- subscription_tags (their tags, through tags, which gives each of a
-- user's tags a stable id). Read and starred move from items to
-- item_states, which holds a row only for an item a user has read or
-- starred: a row per (user, item) written at ingest would cost every
-- fetch once per subscriber.
--
-- Unread counts would then be an anti-join over every item; so
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
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          text        NOT NULL UNIQUE,
	password_hash text        NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL
);

-- App passwords, by their SHA-256 (hash) and their Fever API key.
CREATE TABLE tokens (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	label      text        NOT NULL DEFAULT '',
	hash       text        NOT NULL UNIQUE,
	fever_key  text        NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	last_used  timestamptz
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_fever ON tokens (fever_key) WHERE fever_key <> '';

CREATE TABLE subscriptions (
	id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	feed_id        bigint      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	title          text        NOT NULL DEFAULT '',
	schedule       text        NOT NULL DEFAULT '',
	origin         text        NOT NULL CHECK (origin IN ('user', 'config')),
	config_file    text        NOT NULL DEFAULT '',
	config_line    integer     NOT NULL DEFAULT 0,
	-- A config subscription that took over a user's remembers it
	-- (prior_user) with the user's own title, schedule and tags, given
	-- back when its [[feed]] block goes.
	prior_user     boolean     NOT NULL DEFAULT false,
	prior_title    text        NOT NULL DEFAULT '',
	prior_schedule text        NOT NULL DEFAULT '',
	prior_tags     text[]      NOT NULL DEFAULT '{}',
	read_count     integer     NOT NULL DEFAULT 0,
	created_at     timestamptz NOT NULL,
	UNIQUE (user_id, feed_id)
);
CREATE INDEX subscriptions_feed ON subscriptions (feed_id, user_id);

CREATE TABLE tags (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name    text   NOT NULL,
	UNIQUE (user_id, name)
);

CREATE TABLE subscription_tags (
	subscription_id bigint  NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	tag_id          bigint  NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	pos             integer NOT NULL,
	PRIMARY KEY (subscription_id, tag_id)
);
CREATE INDEX subscription_tags_tag ON subscription_tags (tag_id, subscription_id);

CREATE TABLE item_states (
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	item_id    bigint      NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	read       boolean     NOT NULL DEFAULT false,
	starred    boolean     NOT NULL DEFAULT false,
	starred_at timestamptz,
	PRIMARY KEY (user_id, item_id)
);
-- Deletes of items cascade through it, and "does anyone star it" asks it.
CREATE INDEX item_states_item ON item_states (item_id, starred);
CREATE INDEX item_states_starred ON item_states (user_id, starred_at) WHERE starred;

ALTER TABLE feeds ADD COLUMN item_count integer NOT NULL DEFAULT 0;
-- The URL a feed had before a permanent redirect moved it: a lookup by
-- the old URL still finds it.
ALTER TABLE feeds ADD COLUMN moved_from text NOT NULL DEFAULT '';
CREATE INDEX feeds_moved_from ON feeds (moved_from) WHERE moved_from <> '';

-- The existing database, as the one user's: the first row of users gets
-- id 1.
INSERT INTO users (name, created_at)
SELECT 'me', coalesce((SELECT min(created_at) FROM feeds), now())
WHERE EXISTS (SELECT 1 FROM feeds) OR EXISTS (SELECT 1 FROM items);

INSERT INTO subscriptions (user_id, feed_id, title, schedule, origin, config_file, config_line,
	prior_user, prior_title, prior_schedule, prior_tags, created_at)
SELECT u.id, f.id, f.user_title, f.schedule, f.origin, f.config_file, f.config_line,
	f.prior_user, f.prior_title, f.prior_schedule, f.prior_tags, f.created_at
FROM feeds f CROSS JOIN users u ORDER BY f.id;

INSERT INTO tags (user_id, name)
SELECT user_id, name FROM (SELECT DISTINCT u.id AS user_id, t.name
	FROM feeds f CROSS JOIN unnest(f.tags) t(name) CROSS JOIN users u) d
ORDER BY name COLLATE "C";
INSERT INTO subscription_tags (subscription_id, tag_id, pos)
SELECT s.id, t.id, x.pos FROM subscriptions s
JOIN feeds f ON f.id = s.feed_id
CROSS JOIN unnest(f.tags) WITH ORDINALITY x(name, pos)
JOIN tags t ON t.user_id = s.user_id AND t.name = x.name;

INSERT INTO item_states (user_id, item_id, read, starred, starred_at)
SELECT u.id, i.id, i.read, i.starred, CASE WHEN i.starred THEN i.first_seen END
FROM items i CROSS JOIN users u WHERE i.read OR i.starred;

UPDATE feeds f SET item_count = (SELECT count(*) FROM items i WHERE i.feed_id = f.id);
UPDATE subscriptions s SET read_count = (SELECT count(*) FROM items i
	JOIN item_states st ON st.user_id = s.user_id AND st.item_id = i.id AND st.read
	WHERE i.feed_id = s.feed_id);

-- What moved out of feeds and items; their indexes (feeds_tags,
-- items_feed_read, items_starred) go with the columns.
ALTER TABLE feeds
	DROP COLUMN user_title,
	DROP COLUMN tags,
	DROP COLUMN schedule,
	DROP COLUMN origin,
	DROP COLUMN config_file,
	DROP COLUMN config_line,
	DROP COLUMN prior_user,
	DROP COLUMN prior_title,
	DROP COLUMN prior_schedule,
	DROP COLUMN prior_tags;
ALTER TABLE items DROP COLUMN read, DROP COLUMN starred;
-- Kept items of a removed feed, found again when its URL is subscribed.
CREATE INDEX items_kept ON items (feed_url) WHERE feed_id IS NULL;

-- read_count follows every change of a user's read state of an item of a
-- feed they subscribe to, one UPDATE per statement (MarkAllRead changes
-- thousands of rows at once). Items that leave a feed (deleted) or join
-- one (a kept item of a feed subscribed again) are recounted by the code.
-- search_path is the migration's: the functions find the tables of their
-- own schema whatever the session's search_path.
CREATE FUNCTION item_states_read_inserted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE subscriptions s SET read_count = s.read_count + d.n
	FROM (SELECT n.user_id, i.feed_id, count(*) AS n FROM new_states n JOIN items i ON i.id = n.item_id
		WHERE n.read GROUP BY n.user_id, i.feed_id) d
	WHERE s.user_id = d.user_id AND s.feed_id = d.feed_id;
	RETURN NULL;
END
$$;

CREATE FUNCTION item_states_read_updated() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE subscriptions s SET read_count = s.read_count + d.n
	FROM (SELECT n.user_id, i.feed_id, sum(CASE WHEN n.read THEN 1 ELSE -1 END) AS n
		FROM old_states o JOIN new_states n ON n.user_id = o.user_id AND n.item_id = o.item_id
		JOIN items i ON i.id = n.item_id
		WHERE o.read <> n.read GROUP BY n.user_id, i.feed_id) d
	WHERE s.user_id = d.user_id AND s.feed_id = d.feed_id AND d.n <> 0;
	RETURN NULL;
END
$$;

CREATE FUNCTION item_states_read_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	UPDATE subscriptions s SET read_count = s.read_count - d.n
	FROM (SELECT o.user_id, i.feed_id, count(*) AS n FROM old_states o JOIN items i ON i.id = o.item_id
		WHERE o.read GROUP BY o.user_id, i.feed_id) d
	WHERE s.user_id = d.user_id AND s.feed_id = d.feed_id;
	RETURN NULL;
END
$$;

CREATE TRIGGER item_states_read_insert AFTER INSERT ON item_states
	REFERENCING NEW TABLE AS new_states FOR EACH STATEMENT EXECUTE FUNCTION item_states_read_inserted();
CREATE TRIGGER item_states_read_update AFTER UPDATE ON item_states
	REFERENCING OLD TABLE AS old_states NEW TABLE AS new_states FOR EACH STATEMENT EXECUTE FUNCTION item_states_read_updated();
CREATE TRIGGER item_states_read_delete AFTER DELETE ON item_states
	REFERENCING OLD TABLE AS old_states FOR EACH STATEMENT EXECUTE FUNCTION item_states_read_deleted();
