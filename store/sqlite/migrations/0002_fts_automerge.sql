-- 0002: the full-text index merges its segments 16 at a time, not 4.
--
-- Every write transaction adds a segment; FTS5 merges segments of one size
-- into one of the next size once enough of them pile up. Merging 16 at a
-- time instead of FTS5's default 4 rewrites each indexed item half as
-- often (log16 instead of log4 of the number of segments), which was about
-- a tenth of the CPU of storing an item. A search reads at most 15
-- segments of each size instead of 3; BenchmarkSearch saw no difference,
-- and Optimize still merges the index into one segment.
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);
