-- 0007: whole articles and what a feed's status says about its content.
--
-- subscriptions.full_content is one user's ask for the whole article of
-- each new item of the feed. The page of an item is fetched once per
-- feed, not per user, so a feed's articles are fetched when any of its
-- subscribers asks.
--
-- item_articles holds the article fetched for an item, beside the feed's
-- own content (items.content), which stays: a failed fetch records its
-- error here with an empty content, so the item is not tried again by
-- the fetcher (tidings show --full tries again). A row goes with its item.
--
-- feeds.unreadable_dates counts the items of the last parsed body whose
-- date could not be read (they keep the time first seen); it is part of
-- the fetch state, written by SaveFetch. feeds.article_error is the last
-- failure to fetch an article of the feed, empty after a success.
ALTER TABLE subscriptions ADD COLUMN full_content boolean NOT NULL DEFAULT false;
ALTER TABLE feeds ADD COLUMN unreadable_dates integer NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN article_error text NOT NULL DEFAULT '';

CREATE TABLE item_articles (
	item_id    bigint      PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
	url        text        NOT NULL DEFAULT '',
	content    text        NOT NULL DEFAULT '',
	error      text        NOT NULL DEFAULT '',
	fetched_at timestamptz NOT NULL
);
