-- A feed's icon: the image of its site's favicon, at most 64 KiB, with
-- its media type, and when it was last looked for (Unix milliseconds; 0
-- never), so that it is looked for again only now and then.
ALTER TABLE feeds ADD COLUMN icon_type TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN icon_data BLOB;
ALTER TABLE feeds ADD COLUMN icon_checked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX feeds_icon_checked ON feeds (icon_checked);
