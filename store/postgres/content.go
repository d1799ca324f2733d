package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

// SetFullContent turns the user's ask for whole articles of a feed on or
// off (see store.ContentStore).
func (db *DB) SetFullContent(ctx context.Context, userID int64, u string, on bool) (store.Subscription, error) {
	var out sub
	err := db.tx(ctx, func(tx pgx.Tx) error {
		s, err := findSub(ctx, tx, userID, u, true)
		if err != nil {
			return err
		}
		if err := declared(s); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE subscriptions SET full_content = $2 WHERE id = $1", s.id, on); err != nil {
			return fmt.Errorf("edit subscription to %s: %w", u, err)
		}
		out, err = subByID(ctx, tx, s.id)
		return err
	})
	if err != nil {
		return store.Subscription{}, err
	}
	return out.Subscription, nil
}

// SyncFullContent sets full_content of the user's config subscriptions of
// the owned files from the declared URLs.
func (db *DB) SyncFullContent(ctx context.Context, userID int64, owned []string, urls []string) error {
	if len(owned) == 0 {
		return nil
	}
	texts := make([]string, len(urls))
	for i, u := range urls {
		texts[i] = text(u)
	}
	err := retry(func() error {
		_, err := db.pool.Exec(ctx, `UPDATE subscriptions s SET full_content = (f.url = ANY($3))
			FROM feeds f WHERE f.id = s.feed_id AND s.user_id = $1 AND s.origin = 'config'
			AND s.config_file = ANY($2)`, userID, owned, texts)
		return err
	})
	if err != nil {
		return fmt.Errorf("sync the full_content of declared feeds: %w", err)
	}
	return nil
}

// FullContentFeeds returns which of feedIDs some subscriber wants whole
// articles of.
func (db *DB) FullContentFeeds(ctx context.Context, feedIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool)
	if len(feedIDs) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT feed_id FROM subscriptions
		WHERE full_content AND feed_id = ANY($1)`, feedIDs)
	if err != nil {
		return nil, fmt.Errorf("feeds that want whole articles: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("feeds that want whole articles: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// PendingArticles returns the feed's items first seen since then without
// an article (see store.ContentStore).
func (db *DB) PendingArticles(ctx context.Context, feedID int64, since time.Time, limit int) ([]store.Item, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT i.id, i.feed_id, i.guid, i.url, i.title, i.content, i.first_seen
		FROM items i WHERE i.feed_id = $1 AND i.first_seen >= $2 AND i.url <> ''
		AND NOT EXISTS (SELECT 1 FROM item_articles a WHERE a.item_id = i.id)
		ORDER BY i.id LIMIT $3`, feedID, ts(since), limit)
	if err != nil {
		return nil, fmt.Errorf("items waiting for their article: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Item, error) {
		var (
			it        store.Item
			firstSeen pgtype.Timestamptz
		)
		err := r.Scan(&it.ID, &it.FeedID, &it.GUID, &it.URL, &it.Title, &it.Content, &firstSeen)
		it.FirstSeen = fromTS(firstSeen)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("items waiting for their article: %w", err)
	}
	return items, nil
}

// SaveArticle stores an item's article and the feed's last article error.
func (db *DB) SaveArticle(ctx context.Context, a store.Article) error {
	if a.FetchedAt.IsZero() {
		a.FetchedAt = time.Now()
	}
	err := retry(func() error {
		// INSERT ... SELECT: no row when the item is gone.
		tag, err := db.pool.Exec(ctx, `INSERT INTO item_articles (item_id, url, content, error, fetched_at)
			SELECT id, $2, $3, $4, $5 FROM items WHERE id = $1 ON CONFLICT (item_id) DO UPDATE SET url = excluded.url,
			content = excluded.content, error = excluded.error, fetched_at = excluded.fetched_at`,
			a.ItemID, text(a.URL), text(a.Content), text(a.Error), ts(a.FetchedAt))
		if err == nil && tag.RowsAffected() == 0 {
			return fmt.Errorf("item %d: %w", a.ItemID, store.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("save the article of item %d: %w", a.ItemID, err)
	}
	return nil
}

// SetArticleError sets the feed's ArticleError.
func (db *DB) SetArticleError(ctx context.Context, feedID int64, msg string) error {
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "UPDATE feeds SET article_error = $2 WHERE id = $1", feedID, text(msg))
		if err == nil && tag.RowsAffected() == 0 {
			return fmt.Errorf("feed %d: %w", feedID, store.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("save the article status of feed %d: %w", feedID, err)
	}
	return nil
}

// Article returns the article of one of the user's items.
func (db *DB) Article(ctx context.Context, userID, itemID int64) (store.Article, error) {
	if _, err := db.Item(ctx, userID, itemID); err != nil {
		return store.Article{}, err
	}
	a := store.Article{ItemID: itemID}
	var fetched pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, "SELECT url, content, error, fetched_at FROM item_articles WHERE item_id = $1",
		itemID).Scan(&a.URL, &a.Content, &a.Error, &fetched)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Article{}, fmt.Errorf("article of item %d: %w", itemID, store.ErrNotFound)
	}
	if err != nil {
		return store.Article{}, fmt.Errorf("article of item %d: %w", itemID, err)
	}
	a.FetchedAt = fromTS(fetched)
	return a, nil
}
