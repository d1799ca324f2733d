-- 0008: the items' dates (and feeds) by their ID, for the unread listings
-- by date.
--
-- A user's unread items by date are their range of unread_items joined to
-- the items and sorted: without this index each unread item cost a read
-- of its row (hundreds of bytes of content around the date), a page of
-- the heap each for 100,000 unread items, which a cold cache read from
-- disk for seconds. From this index it is an index-only probe each.
CREATE INDEX items_id_published ON items (id) INCLUDE (published, feed_id);

-- 0007 filled unread_items without statistics: the planner took the
-- user's range of it for a few hundred rows until the next autovacuum.
ANALYZE unread_items;
