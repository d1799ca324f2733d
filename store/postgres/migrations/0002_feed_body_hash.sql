-- 0002: what a feed's last parsed body was, so that the same body is not
-- parsed again.
--
-- body_hash identifies the last 200 answer that was parsed and saved;
-- a later 200 with the same one (a server without validators, or one
-- whose validators change on every request) is not parsed again.
-- feed_delay keeps the feed's own polling hint from that body
-- (milliseconds), for the fetches that do not parse it. Existing feeds
-- start with neither: their next 200 is parsed as before.
ALTER TABLE feeds ADD COLUMN body_hash text NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN feed_delay bigint NOT NULL DEFAULT 0;
