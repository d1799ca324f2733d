-- 0003: one index on items by feed instead of two.
--
-- items_feed_read (feed_id, read) served only the per-feed counts of items
-- and unread items; items_feed_published (feed_id, published, id) the
-- per-feed list, newest first. One index with both serves both, each
-- without reading the table (read comes after the content in a row, often
-- on an overflow page), and every stored item updates one index fewer.
-- The explicit id keeps the list's order (published, id) in the index.
DROP INDEX items_feed_read;
DROP INDEX items_feed_published;
CREATE INDEX items_feed_published ON items (feed_id, published, id, read);
