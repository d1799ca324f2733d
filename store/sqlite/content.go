package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tidings/store"
)

// SetFullContent turns the user's ask for whole articles of a feed on or
// off (see store.ContentStore).
func (db *DB) SetFullContent(ctx context.Context, userID int64, u string, on bool) (store.Subscription, error) {
	var out sub
	err := db.tx(ctx, func(tx *sql.Tx) error {
		s, err := findSub(ctx, tx, userID, u)
		if err != nil {
			return err
		}
		if err := declared(s); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE subscriptions SET full_content = ? WHERE id = ?", on, s.rowID); err != nil {
			return fmt.Errorf("edit feed %s: %w", u, err)
		}
		out, err = findSubByID(ctx, tx, userID, s.ID)
		return err
	})
	return out.Subscription, err
}

// SyncFullContent sets full_content of the user's config subscriptions of
// the owned files from the declared URLs.
func (db *DB) SyncFullContent(ctx context.Context, userID int64, owned []string, urls []string) error {
	if len(owned) == 0 {
		return nil
	}
	var args []any
	want := make([]string, len(urls))
	for i, u := range urls {
		want[i] = "?"
		args = append(args, u)
	}
	args = append(args, userID)
	files := make([]string, len(owned))
	for i, f := range owned {
		files[i] = "?"
		args = append(args, f)
	}
	in := "0"
	if len(urls) > 0 {
		in = "f.url IN (" + strings.Join(want, ", ") + ")"
	}
	query := `UPDATE subscriptions SET full_content = (SELECT ` + in + ` FROM feeds f WHERE f.id = subscriptions.feed_id)
		WHERE user_id = ? AND origin = 'config' AND config_file IN (` + strings.Join(files, ", ") + `)`
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
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
	marks := make([]string, len(feedIDs))
	args := make([]any, len(feedIDs))
	for i, id := range feedIDs {
		marks[i], args[i] = "?", id
	}
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT feed_id FROM subscriptions
		WHERE full_content = 1 AND feed_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("feeds that want whole articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("feeds that want whole articles: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feeds that want whole articles: %w", err)
	}
	return out, nil
}

// PendingArticles returns the feed's items first seen since then without
// an article (see store.ContentStore).
func (db *DB) PendingArticles(ctx context.Context, feedID int64, since time.Time, limit int) ([]store.Item, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT i.id, i.feed_id, i.guid, i.url, i.title, i.content, i.first_seen
		FROM items i WHERE i.feed_id = ? AND i.first_seen >= ? AND i.url <> ''
		AND NOT EXISTS (SELECT 1 FROM item_articles a WHERE a.item_id = i.id)
		ORDER BY i.id LIMIT ?`, feedID, toMillis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("items waiting for their article: %w", err)
	}
	defer rows.Close()
	var items []store.Item
	for rows.Next() {
		var (
			it        store.Item
			firstSeen int64
		)
		if err := rows.Scan(&it.ID, &it.FeedID, &it.GUID, &it.URL, &it.Title, &it.Content, &firstSeen); err != nil {
			return nil, fmt.Errorf("items waiting for their article: %w", err)
		}
		it.FirstSeen = fromMillis(firstSeen)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("items waiting for their article: %w", err)
	}
	return items, nil
}

// SaveArticle stores an item's article and the feed's last article error.
func (db *DB) SaveArticle(ctx context.Context, a store.Article) error {
	if a.FetchedAt.IsZero() {
		a.FetchedAt = time.Now()
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// INSERT ... SELECT: no row when the item is gone.
		r, err := tx.ExecContext(ctx, `INSERT INTO item_articles (item_id, url, content, error, fetched_at)
			SELECT id, ?, ?, ?, ? FROM items WHERE id = ? ON CONFLICT (item_id) DO UPDATE SET url = excluded.url,
			content = excluded.content, error = excluded.error, fetched_at = excluded.fetched_at`,
			a.URL, a.Content, a.Error, toMillis(a.FetchedAt), a.ItemID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("item %d: %w", a.ItemID, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save the article of item %d: %w", a.ItemID, err)
	}
	return nil
}

// SetArticleError sets the feed's ArticleError.
func (db *DB) SetArticleError(ctx context.Context, feedID int64, msg string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE feeds SET article_error = ? WHERE id = ?", msg, feedID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("feed %d: %w", feedID, store.ErrNotFound)
		}
		return nil
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
	var fetched int64
	err := db.read.QueryRowContext(ctx, "SELECT url, content, error, fetched_at FROM item_articles WHERE item_id = ?",
		itemID).Scan(&a.URL, &a.Content, &a.Error, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Article{}, fmt.Errorf("article of item %d: %w", itemID, store.ErrNotFound)
	}
	if err != nil {
		return store.Article{}, fmt.Errorf("article of item %d: %w", itemID, err)
	}
	a.FetchedAt = fromMillis(fetched)
	return a, nil
}
