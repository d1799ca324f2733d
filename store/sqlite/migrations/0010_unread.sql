-- 0010: the unread set, one row per (user, item) of a feed the user
-- subscribes to and has not read.
--
-- The reader apps list a user's unread IDs, all of them (Fever's
-- unread_item_ids) or thousands at a time (Google Reader's
-- stream/items/ids): an anti-join of the user's items against their read
-- states reads every item of every feed they follow, one probe each
-- (1,000,000 items with 100,000 unread: over half a second). From this
-- table it is one range of its key.
--
-- The triggers below keep it equal to its definition on every change of
-- items, subscriptions, item_states and users, whichever code (or hand)
-- makes it. A new item costs one row per subscriber. Starred items of
-- feeds the user no longer follows are theirs too and may be unread:
-- they are not here, and the queries add them (few: what was starred
-- before unsubscribing).
--
-- There are no foreign keys: a cascade from items would need a second
-- index on item_id; the triggers delete by the key instead, through the
-- subscriptions of the item's feed (the only users who can have a row).
CREATE TABLE unread_items (
	user_id INTEGER NOT NULL,
	item_id INTEGER NOT NULL,
	PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;

INSERT INTO unread_items (user_id, item_id)
SELECT s.user_id, i.id FROM subscriptions s JOIN items i ON i.feed_id = s.feed_id
WHERE NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = s.user_id AND st.item_id = i.id AND st.read = 1)
ORDER BY s.user_id, i.id;

-- Items: new ones are unread for every subscriber of their feed; an item
-- changing feed (kept items taken back by a new feed of their URL, or
-- kept when their feed goes) moves between the feeds' subscribers;
-- deleted ones go.
CREATE TRIGGER unread_items_item_insert AFTER INSERT ON items WHEN new.feed_id IS NOT NULL BEGIN
	INSERT OR IGNORE INTO unread_items (user_id, item_id)
	SELECT user_id, new.id FROM subscriptions WHERE feed_id = new.feed_id;
END;
CREATE TRIGGER unread_items_item_feed AFTER UPDATE OF feed_id ON items WHEN old.feed_id IS NOT new.feed_id BEGIN
	DELETE FROM unread_items WHERE item_id = old.id
		AND user_id IN (SELECT user_id FROM subscriptions WHERE feed_id = old.feed_id);
	INSERT OR IGNORE INTO unread_items (user_id, item_id)
	SELECT s.user_id, new.id FROM subscriptions s WHERE s.feed_id = new.feed_id
		AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = s.user_id AND st.item_id = new.id AND st.read = 1);
END;
CREATE TRIGGER unread_items_item_delete AFTER DELETE ON items WHEN old.feed_id IS NOT NULL BEGIN
	DELETE FROM unread_items WHERE item_id = old.id
		AND user_id IN (SELECT user_id FROM subscriptions WHERE feed_id = old.feed_id);
END;

-- Read states: read takes the item out, unread (or the state's row gone)
-- puts it back while the user follows its feed.
CREATE TRIGGER unread_items_state_insert AFTER INSERT ON item_states WHEN new.read = 1 BEGIN
	DELETE FROM unread_items WHERE user_id = new.user_id AND item_id = new.item_id;
END;
CREATE TRIGGER unread_items_state_read AFTER UPDATE OF read ON item_states WHEN old.read = 0 AND new.read = 1 BEGIN
	DELETE FROM unread_items WHERE user_id = new.user_id AND item_id = new.item_id;
END;
CREATE TRIGGER unread_items_state_unread AFTER UPDATE OF read ON item_states WHEN old.read = 1 AND new.read = 0 BEGIN
	INSERT OR IGNORE INTO unread_items (user_id, item_id)
	SELECT new.user_id, new.item_id WHERE EXISTS (SELECT 1 FROM items i JOIN subscriptions s ON s.feed_id = i.feed_id
		WHERE i.id = new.item_id AND s.user_id = new.user_id);
END;
CREATE TRIGGER unread_items_state_delete AFTER DELETE ON item_states WHEN old.read = 1 BEGIN
	INSERT OR IGNORE INTO unread_items (user_id, item_id)
	SELECT old.user_id, old.item_id WHERE EXISTS (SELECT 1 FROM items i JOIN subscriptions s ON s.feed_id = i.feed_id
		WHERE i.id = old.item_id AND s.user_id = old.user_id);
END;

-- Subscriptions: a new one makes the feed's items the user has not read
-- unread; an ended one takes the feed's items out.
CREATE TRIGGER unread_items_sub_insert AFTER INSERT ON subscriptions BEGIN
	INSERT OR IGNORE INTO unread_items (user_id, item_id)
	SELECT new.user_id, i.id FROM items i WHERE i.feed_id = new.feed_id
		AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = new.user_id AND st.item_id = i.id AND st.read = 1);
END;
CREATE TRIGGER unread_items_sub_delete AFTER DELETE ON subscriptions BEGIN
	DELETE FROM unread_items WHERE user_id = old.user_id
		AND item_id IN (SELECT id FROM items WHERE feed_id = old.feed_id);
END;
CREATE TRIGGER unread_items_user_delete AFTER DELETE ON users BEGIN
	DELETE FROM unread_items WHERE user_id = old.id;
END;
