-- 0011: the full-text index keeps the prefixes of 3 and 4 letters of every
-- word, so that a search of a short prefix costs what a word does.
--
-- Without them FTS5 reads and merges the items of every word a prefix
-- starts, over the whole index, before the search starts: "the*" cost a
-- second at 1,000,000 items, "that*" a quarter of one. Longer prefixes
-- start fewer and rarer words, and store.MaxSearchPrefixes bounds how many
-- a search has. The index is about twice as large (README, "Search: the
-- worst query").
--
-- A contentless table cannot be rebuilt from itself: the index is
-- written again from the items, as SaveFetch writes it (the title, and
-- the text of the content, tidings_plain_text: store.PlainText).
DROP TABLE items_fts;
CREATE VIRTUAL TABLE items_fts USING fts5 (
	title, body,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '3 4'
);
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);
INSERT INTO items_fts (rowid, title, body) SELECT id, title, tidings_plain_text(content) FROM items;
INSERT INTO items_fts (items_fts) VALUES ('optimize');
