-- 0004: items' foreign key to feeds is checked at commit, not per row.
--
-- A statement that writes many rows and may stop halfway makes SQLite keep
-- a statement journal: a copy of every page the statement changes, written
-- to a temporary file, so that it can undo that statement alone. The
-- multi-row INSERT that stores a fetch's new items was such a statement,
-- for three reasons: the ids it gave, a NOT NULL that could fail, and the
-- check of feed_id against feeds, row by row. SaveFetches now lets SQLite
-- number the rows and says OR ROLLBACK; this makes the check of feed_id a
-- deferred one, which counts violations and fails the COMMIT instead. The
-- journal was about half of what inserting an item cost (bench/run.sh,
-- cold run) and 58% of the write calls of BenchmarkSaveFetchesHTML.
--
-- SQLite cannot change a constraint in place, so the table is rebuilt as
-- https://sqlite.org/lang_altertable.html describes, with the same rows,
-- ids, indexes and trigger. Nothing references items, so dropping the old
-- table changes no other table; DROP TABLE fires no DELETE trigger, so the
-- full-text index (rowid = items.id) stays as it is.
--
-- An item whose feed is gone without tidings (a feed deleted by hand with
-- foreign keys off, as the sqlite3 shell has them) keeps no feed_id, as ON
-- DELETE SET NULL would have left it: the copy would otherwise break the
-- key and fail the migration. Such an item stays readable, like the
-- starred items of a removed feed.
CREATE TABLE items_new (
	id           INTEGER PRIMARY KEY,
	feed_id      INTEGER REFERENCES feeds (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
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
INSERT INTO items_new (id, feed_id, feed_url, feed_title, guid, url, content_hash, title, author, content,
	categories, enclosures, published, updated, first_seen, read, starred)
SELECT id, CASE WHEN feed_id IN (SELECT id FROM feeds) THEN feed_id END, feed_url, feed_title, guid, url,
	content_hash, title, author, content, categories, enclosures, published, updated, first_seen, read, starred
FROM items;
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;

-- The indexes and trigger of 0001 and 0003, as they were.
CREATE INDEX items_feed_guid ON items (feed_id, guid);
CREATE INDEX items_feed_url ON items (feed_id, url);
CREATE INDEX items_feed_hash ON items (feed_id, content_hash);
CREATE INDEX items_published ON items (published, id);
CREATE INDEX items_feed_published ON items (feed_id, published, id, read);
CREATE INDEX items_starred ON items (published, id) WHERE starred = 1;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
	DELETE FROM items_fts WHERE rowid = old.id;
END;
