-- 0001: feeds, their tags, items, tombstones and the full-text index.
-- Times are INTEGER milliseconds since the Unix epoch, UTC; 0 means "none".

CREATE TABLE feeds (
	id             INTEGER PRIMARY KEY,
	url            TEXT    NOT NULL UNIQUE,
	fetch_url      TEXT    NOT NULL DEFAULT '',
	title          TEXT    NOT NULL DEFAULT '',
	user_title     TEXT    NOT NULL DEFAULT '',
	site_url       TEXT    NOT NULL DEFAULT '',
	icon_url       TEXT    NOT NULL DEFAULT '',
	schedule       TEXT    NOT NULL DEFAULT '',
	origin         TEXT    NOT NULL CHECK (origin IN ('user', 'config')),
	config_file    TEXT    NOT NULL DEFAULT '',
	config_line    INTEGER NOT NULL DEFAULT 0,
	-- A config feed that took over a user's feed remembers it (prior_user)
	-- with the user's own title, schedule and tags (a JSON list), given back
	-- when its [[feed]] block goes.
	prior_user     INTEGER NOT NULL DEFAULT 0,
	prior_title    TEXT    NOT NULL DEFAULT '',
	prior_schedule TEXT    NOT NULL DEFAULT '',
	prior_tags     TEXT    NOT NULL DEFAULT '[]',
	etag           TEXT    NOT NULL DEFAULT '',
	last_modified  TEXT    NOT NULL DEFAULT '',
	last_fetch     INTEGER NOT NULL DEFAULT 0,
	last_success   INTEGER NOT NULL DEFAULT 0,
	last_error     TEXT    NOT NULL DEFAULT '',
	error_count    INTEGER NOT NULL DEFAULT 0,
	next_due       INTEGER NOT NULL DEFAULT 0,
	not_before     INTEGER NOT NULL DEFAULT 0,
	wait_reason    TEXT    NOT NULL DEFAULT '',
	gone           INTEGER NOT NULL DEFAULT 0,
	redirect_url   TEXT    NOT NULL DEFAULT '',
	redirect_count INTEGER NOT NULL DEFAULT 0,
	identity       INTEGER NOT NULL DEFAULT 0,
	claimed_until  INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL
);
CREATE INDEX feeds_fetch_url ON feeds (fetch_url) WHERE fetch_url <> '';
-- Due feeds are found by range on next_due among the feeds not gone.
CREATE INDEX feeds_due ON feeds (next_due, created_at) WHERE gone = 0;

CREATE TABLE feed_tags (
	feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	tag     TEXT    NOT NULL,
	pos     INTEGER NOT NULL,
	PRIMARY KEY (feed_id, tag)
) WITHOUT ROWID;
CREATE INDEX feed_tags_tag ON feed_tags (tag, feed_id);

-- feed_id becomes NULL when a feed is removed and its starred items stay;
-- feed_url and feed_title then still say where they came from.
CREATE TABLE items (
	id           INTEGER PRIMARY KEY,
	feed_id      INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
	feed_url     TEXT    NOT NULL,
	feed_title   TEXT    NOT NULL DEFAULT '',
	guid         TEXT    NOT NULL DEFAULT '',
	url          TEXT    NOT NULL DEFAULT '',
	content_hash TEXT    NOT NULL,
	title        TEXT    NOT NULL DEFAULT '',
	author       TEXT    NOT NULL DEFAULT '',
	content      TEXT    NOT NULL DEFAULT '',
	categories   TEXT    NOT NULL DEFAULT '',
	enclosures   TEXT    NOT NULL DEFAULT '',
	published    INTEGER NOT NULL,
	updated      INTEGER NOT NULL DEFAULT 0,
	first_seen   INTEGER NOT NULL,
	read         INTEGER NOT NULL DEFAULT 0,
	starred      INTEGER NOT NULL DEFAULT 0
);
-- One index per identity rule: SaveFetch looks items up by the key of the
-- feed's current rule.
CREATE INDEX items_feed_guid ON items (feed_id, guid);
CREATE INDEX items_feed_url ON items (feed_id, url);
CREATE INDEX items_feed_hash ON items (feed_id, content_hash);
-- Newest first, overall and per feed; the per-feed one also serves counts.
CREATE INDEX items_published ON items (published, id);
CREATE INDEX items_feed_published ON items (feed_id, published, id);
CREATE INDEX items_feed_read ON items (feed_id, read);
CREATE INDEX items_starred ON items (published, id) WHERE starred = 1;

-- What Prune deleted, so the same item is never stored as new again.
CREATE TABLE tombstones (
	feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	guid         TEXT    NOT NULL,
	url          TEXT    NOT NULL,
	content_hash TEXT    NOT NULL,
	pruned_at    INTEGER NOT NULL
);
CREATE INDEX tombstones_guid ON tombstones (feed_id, guid);
CREATE INDEX tombstones_url ON tombstones (feed_id, url);
CREATE INDEX tombstones_hash ON tombstones (feed_id, content_hash);

-- Title and the text of the content (tags stripped), written by the code
-- with rowid = items.id. Contentless: the text lives in items already.
-- No stemmer: porter would stem a prefix query too ("bicy*" would find
-- nothing), and PostgreSQL's 'simple' configuration does not stem either,
-- so both backends find the same items.
CREATE VIRTUAL TABLE items_fts USING fts5 (
	title, body,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
	DELETE FROM items_fts WHERE rowid = old.id;
END;
