-- 0001: feeds, items, tombstones and the full-text index.
-- Times are timestamptz (UTC in, UTC out); NULL means "none".

CREATE TABLE feeds (
	id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	url            text        NOT NULL UNIQUE,
	fetch_url      text        NOT NULL DEFAULT '',
	title          text        NOT NULL DEFAULT '',
	user_title     text        NOT NULL DEFAULT '',
	site_url       text        NOT NULL DEFAULT '',
	icon_url       text        NOT NULL DEFAULT '',
	-- Kept in the order given, without blanks or repeats.
	tags           text[]      NOT NULL DEFAULT '{}',
	schedule       text        NOT NULL DEFAULT '',
	origin         text        NOT NULL CHECK (origin IN ('user', 'config')),
	config_file    text        NOT NULL DEFAULT '',
	config_line    integer     NOT NULL DEFAULT 0,
	-- A config feed that took over a user's feed remembers it (prior_user)
	-- with the user's own title, schedule and tags, given back when its
	-- [[feed]] block goes.
	prior_user     boolean     NOT NULL DEFAULT false,
	prior_title    text        NOT NULL DEFAULT '',
	prior_schedule text        NOT NULL DEFAULT '',
	prior_tags     text[]      NOT NULL DEFAULT '{}',
	etag           text        NOT NULL DEFAULT '',
	last_modified  text        NOT NULL DEFAULT '',
	last_fetch     timestamptz,
	last_success   timestamptz,
	last_error     text        NOT NULL DEFAULT '',
	error_count    integer     NOT NULL DEFAULT 0,
	-- NULL: never scheduled, so due at once.
	next_due       timestamptz,
	not_before     timestamptz,
	wait_reason    text        NOT NULL DEFAULT '',
	gone           boolean     NOT NULL DEFAULT false,
	redirect_url   text        NOT NULL DEFAULT '',
	redirect_count integer     NOT NULL DEFAULT 0,
	identity       smallint    NOT NULL DEFAULT 0,
	-- A claim's lease: no other claimant takes the feed before it ends.
	claimed_until  timestamptz,
	created_at     timestamptz NOT NULL
);
CREATE INDEX feeds_fetch_url ON feeds (fetch_url) WHERE fetch_url <> '';
CREATE INDEX feeds_tags ON feeds USING gin (tags);
-- Claims walk the feeds that are not gone in due order, never-scheduled
-- ones first; the same expression in the query lets the range bound the scan.
CREATE INDEX feeds_due ON feeds ((coalesce(next_due, '-infinity'::timestamptz)), id) WHERE NOT gone;
-- NextDue of never-scheduled feeds is when they were added.
CREATE INDEX feeds_new ON feeds (created_at) WHERE next_due IS NULL AND NOT gone;

-- feed_id becomes NULL when a feed is removed and its starred items stay;
-- feed_url and feed_title then still say where they came from.
CREATE TABLE items (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	feed_id      bigint      REFERENCES feeds (id) ON DELETE SET NULL,
	feed_url     text        NOT NULL,
	feed_title   text        NOT NULL DEFAULT '',
	guid         text        NOT NULL DEFAULT '',
	url          text        NOT NULL DEFAULT '',
	content_hash text        NOT NULL,
	title        text        NOT NULL DEFAULT '',
	author       text        NOT NULL DEFAULT '',
	content      text        NOT NULL DEFAULT '',
	categories   text[]      NOT NULL DEFAULT '{}',
	enclosures   jsonb       NOT NULL DEFAULT '[]',
	published    timestamptz NOT NULL,
	updated      timestamptz,
	first_seen   timestamptz NOT NULL,
	read         boolean     NOT NULL DEFAULT false,
	starred      boolean     NOT NULL DEFAULT false,
	-- Title (weight A) and the text of the content without its markup
	-- (weight D), written by the code, which strips the HTML.
	search       tsvector    NOT NULL DEFAULT ''
);
-- One index per identity rule: SaveFetch looks items up by the key of the
-- feed's current rule.
CREATE INDEX items_feed_guid ON items (feed_id, guid);
CREATE INDEX items_feed_url ON items (feed_id, url);
CREATE INDEX items_feed_hash ON items (feed_id, content_hash);
-- Newest first, overall and per feed.
CREATE INDEX items_published ON items (published, id);
CREATE INDEX items_feed_published ON items (feed_id, published, id);
-- Counts per feed, read from the index alone.
CREATE INDEX items_feed_read ON items (feed_id, read);
CREATE INDEX items_starred ON items (published, id) WHERE starred;
CREATE INDEX items_search ON items USING gin (search);

-- What Prune deleted, so the same item is never stored as new again.
CREATE TABLE tombstones (
	feed_id      bigint      NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	guid         text        NOT NULL,
	url          text        NOT NULL,
	content_hash text        NOT NULL,
	pruned_at    timestamptz NOT NULL
);
CREATE INDEX tombstones_guid ON tombstones (feed_id, guid);
CREATE INDEX tombstones_url ON tombstones (feed_id, url);
CREATE INDEX tombstones_hash ON tombstones (feed_id, content_hash);
