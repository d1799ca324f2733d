-- 0007: the unread set, one row per (user, item) of a feed the user
-- subscribes to and has not read.
--
-- The reader apps list a user's unread IDs, all of them (Fever's
-- unread_item_ids) or thousands at a time (Google Reader's
-- stream/items/ids): an anti-join of the user's items against their read
-- states reads every item of every feed they follow. From this table it
-- is one range of its key, in order, which a LIMIT stops early.
--
-- SaveFetch inserts the rows of its new items itself, in the statement
-- that inserts each item (a trigger per statement cost more than the
-- insert); the triggers below keep the rest: read states, subscriptions,
-- items deleted or moved between feeds, users deleted. Starred items of
-- feeds the user no longer follows are theirs too and may be unread: they
-- are not here, and the queries add them (few: what was starred before
-- unsubscribing).
--
-- There are no foreign keys: their checks would take a lock on the user
-- for each row, and a cascade from items would need a second index on
-- item_id; the triggers delete by the key instead, through the
-- subscriptions of the item's feed (the only users who can have a row).
-- The functions' search_path is the migration's, as 0003's are.
CREATE TABLE unread_items (
	user_id bigint NOT NULL,
	item_id bigint NOT NULL,
	PRIMARY KEY (user_id, item_id)
);

INSERT INTO unread_items (user_id, item_id)
SELECT s.user_id, i.id FROM subscriptions s JOIN items i ON i.feed_id = s.feed_id
WHERE NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = s.user_id AND st.item_id = i.id AND st.read)
ORDER BY s.user_id, i.id;

-- Read states: read takes an item out, unread (or the state's row gone)
-- puts it back while the user follows its feed.
CREATE FUNCTION unread_items_states_inserted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM unread_items u USING new_states n
	WHERE n.read AND u.user_id = n.user_id AND u.item_id = n.item_id;
	RETURN NULL;
END
$$;

CREATE FUNCTION unread_items_states_updated() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM unread_items u USING old_states o JOIN new_states n ON n.user_id = o.user_id AND n.item_id = o.item_id
	WHERE n.read AND NOT o.read AND u.user_id = n.user_id AND u.item_id = n.item_id;
	INSERT INTO unread_items (user_id, item_id)
	SELECT n.user_id, n.item_id FROM old_states o JOIN new_states n ON n.user_id = o.user_id AND n.item_id = o.item_id
	JOIN items i ON i.id = n.item_id JOIN subscriptions s ON s.user_id = n.user_id AND s.feed_id = i.feed_id
	WHERE o.read AND NOT n.read
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE FUNCTION unread_items_states_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	INSERT INTO unread_items (user_id, item_id)
	SELECT o.user_id, o.item_id FROM old_states o
	JOIN items i ON i.id = o.item_id JOIN subscriptions s ON s.user_id = o.user_id AND s.feed_id = i.feed_id
	WHERE o.read
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE TRIGGER unread_items_states_insert AFTER INSERT ON item_states
	REFERENCING NEW TABLE AS new_states FOR EACH STATEMENT EXECUTE FUNCTION unread_items_states_inserted();
CREATE TRIGGER unread_items_states_update AFTER UPDATE ON item_states
	REFERENCING OLD TABLE AS old_states NEW TABLE AS new_states FOR EACH STATEMENT EXECUTE FUNCTION unread_items_states_updated();
CREATE TRIGGER unread_items_states_delete AFTER DELETE ON item_states
	REFERENCING OLD TABLE AS old_states FOR EACH STATEMENT EXECUTE FUNCTION unread_items_states_deleted();

-- Subscriptions: a new one makes the feed's items the user has not read
-- unread; an ended one (a user deleted ends theirs by the cascade) takes
-- the feed's items out.
CREATE FUNCTION unread_items_subs_inserted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	INSERT INTO unread_items (user_id, item_id)
	SELECT n.user_id, i.id FROM new_subs n JOIN items i ON i.feed_id = n.feed_id
	WHERE NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = n.user_id AND st.item_id = i.id AND st.read)
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE FUNCTION unread_items_subs_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM unread_items u USING old_subs o JOIN items i ON i.feed_id = o.feed_id
	WHERE u.user_id = o.user_id AND u.item_id = i.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER unread_items_subs_insert AFTER INSERT ON subscriptions
	REFERENCING NEW TABLE AS new_subs FOR EACH STATEMENT EXECUTE FUNCTION unread_items_subs_inserted();
CREATE TRIGGER unread_items_subs_delete AFTER DELETE ON subscriptions
	REFERENCING OLD TABLE AS old_subs FOR EACH STATEMENT EXECUTE FUNCTION unread_items_subs_deleted();

-- Items deleted, or moving between feeds (kept items taken back by a new
-- feed of their URL, or kept when their feed goes). Row triggers: the
-- WHEN of the update is checked without calling the function, so an
-- update of an item's content costs nothing more.
CREATE FUNCTION unread_items_item_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM unread_items u USING old_items o JOIN subscriptions s ON s.feed_id = o.feed_id
	WHERE u.user_id = s.user_id AND u.item_id = o.id;
	RETURN NULL;
END
$$;

CREATE FUNCTION unread_items_item_moved() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM unread_items u USING subscriptions s
	WHERE s.feed_id = OLD.feed_id AND u.user_id = s.user_id AND u.item_id = OLD.id;
	INSERT INTO unread_items (user_id, item_id)
	SELECT s.user_id, NEW.id FROM subscriptions s WHERE s.feed_id = NEW.feed_id
		AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = s.user_id AND st.item_id = NEW.id AND st.read)
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;

CREATE TRIGGER unread_items_item_delete AFTER DELETE ON items
	REFERENCING OLD TABLE AS old_items FOR EACH STATEMENT EXECUTE FUNCTION unread_items_item_deleted();
CREATE TRIGGER unread_items_item_move AFTER UPDATE OF feed_id ON items
	FOR EACH ROW WHEN (OLD.feed_id IS DISTINCT FROM NEW.feed_id) EXECUTE FUNCTION unread_items_item_moved();

-- A user deleted: their rows go, whatever order the cascades of the
-- delete ran in.
CREATE FUNCTION unread_items_users_deleted() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
	DELETE FROM unread_items u USING old_users o WHERE u.user_id = o.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER unread_items_users_delete AFTER DELETE ON users
	REFERENCING OLD TABLE AS old_users FOR EACH STATEMENT EXECUTE FUNCTION unread_items_users_deleted();
