-- A feed's icon: the image of its site's favicon, at most 64 KiB, with
-- its media type, and when it was last looked for (NULL: never), so that
-- it is looked for again only now and then.
ALTER TABLE feeds ADD COLUMN icon_type text NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN icon_data bytea;
ALTER TABLE feeds ADD COLUMN icon_checked timestamptz;
CREATE INDEX feeds_icon_checked ON feeds (icon_checked NULLS FIRST);
