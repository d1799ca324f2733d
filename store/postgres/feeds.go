package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

// schedulesExpr is a feed's Schedules (alias f): its subscribers'
// distinct specs in byte order, "" (the global default) first.
const schedulesExpr = `ARRAY(SELECT DISTINCT s.schedule COLLATE "C" FROM subscriptions s
	WHERE s.feed_id = f.id ORDER BY 1)`

// feedColumns are the feeds columns (table alias f) scanFeed reads, in order.
const feedColumns = `f.id, f.url, f.fetch_url, f.moved_from, f.title, f.site_url, f.icon_url, ` + schedulesExpr + `,
	f.etag, f.last_modified, f.last_fetch, f.last_success, f.last_error, f.error_count, f.next_due,
	f.not_before, f.wait_reason, f.gone, f.redirect_url, f.redirect_count, f.identity, f.body_hash,
	f.feed_delay, f.created_at, f.unreadable_dates, f.article_error`

// feedDest returns the scan targets of feedColumns for f, and the function
// that finishes f once the row is scanned.
func feedDest(f *store.Feed) ([]any, func()) {
	var (
		lastFetch, lastSuccess, nextDue, notBefore, createdAt pgtype.Timestamptz
		identity                                              int16
		feedDelay                                             int64
	)
	dest := []any{&f.ID, &f.URL, &f.FetchURL, &f.MovedFrom, &f.Title, &f.SiteURL, &f.IconURL, &f.Schedules,
		&f.State.ETag, &f.State.LastModified, &lastFetch, &lastSuccess, &f.State.LastError, &f.State.ErrorCount,
		&nextDue, &notBefore, &f.State.WaitReason, &f.State.Gone, &f.State.RedirectURL, &f.State.RedirectCount,
		&identity, &f.State.BodyHash, &feedDelay, &createdAt, &f.State.UnreadableDates, &f.ArticleError}
	return dest, func() {
		if f.Schedules == nil {
			f.Schedules = []string{}
		}
		f.State.LastFetch = fromTS(lastFetch)
		f.State.LastSuccess = fromTS(lastSuccess)
		f.State.NextDue = fromTS(nextDue)
		f.State.NotBefore = fromTS(notBefore)
		f.State.Identity = store.Identity(identity)
		f.State.FeedDelay = time.Duration(feedDelay) * time.Millisecond
		f.CreatedAt = fromTS(createdAt)
	}
}

func scanFeed(row pgx.Row) (store.Feed, error) {
	var f store.Feed
	dest, finish := feedDest(&f)
	if err := row.Scan(dest...); err != nil {
		return store.Feed{}, err
	}
	finish()
	return f, nil
}

func queryFeeds(ctx context.Context, q querier, query string, args ...any) ([]store.Feed, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Feed, error) { return scanFeed(r) })
}

// cleanTags is store.CleanTags of the tags with what PostgreSQL refuses in
// text taken out.
func cleanTags(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = text(t)
	}
	return store.CleanTags(out)
}

// byURL is the condition (on alias f) that finds a feed by its URL or the
// URL it is fetched from, given as $1.
const byURL = "(f.url = $1 OR (f.fetch_url = $1 AND f.fetch_url <> ''))"

// byURLOrMoved is byURL, or else (when no feed has $1 as its URL) the URL
// the feed had before it moved; byURLFirst orders the matches so.
const (
	byURLOrMoved = "(" + byURL + ` OR (f.moved_from = $1 AND f.moved_from <> ''
		AND NOT EXISTS (SELECT 1 FROM feeds o WHERE o.url = $1)))`
	byURLFirst = " ORDER BY f.url = $1 DESC, f.fetch_url = $1 DESC"
)

func checkURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return errors.New("empty URL; give the feed's http or https URL")
	}
	return nil
}

// insertFeed is the statement that stores a new feed unless a feed has
// its URL already, and returns its ID (no row then). A new feed without
// NextDue is due at once.
const insertFeed = `INSERT INTO feeds (url, fetch_url, title, site_url, icon_url, etag, last_modified,
	last_fetch, last_success, last_error, error_count, next_due, not_before, wait_reason, gone,
	redirect_url, redirect_count, identity, body_hash, feed_delay, created_at, unreadable_dates)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
	ON CONFLICT (url) DO NOTHING
	RETURNING id`

// insertArgs are insertFeed's arguments for f.
func insertArgs(f store.Feed, now time.Time) []any {
	if f.State.WaitReason == "" && f.State.LastFetch.IsZero() {
		f.State.WaitReason = store.WaitNew
	}
	s := f.State
	return []any{text(f.URL), text(f.FetchURL), text(f.Title), text(f.SiteURL), text(f.IconURL),
		text(s.ETag), text(s.LastModified), ts(s.LastFetch), ts(s.LastSuccess), text(s.LastError), s.ErrorCount,
		ts(s.NextDue), ts(s.NotBefore), s.WaitReason, s.Gone, text(s.RedirectURL), s.RedirectCount,
		int16(s.Identity), text(s.BodyHash), s.FeedDelay.Milliseconds(), ts(now), s.UnreadableDates}
}

// feedFor finds the feed whose URL or FetchURL is f.URL, or adds f as a
// new one, and returns its ID. Of two transactions adding one new URL at
// once, the second waits for the first (ON CONFLICT) and then finds its
// feed. A new feed takes back the starred items kept from an earlier feed
// of its URL, so that fetching them again updates them instead of storing
// them twice. The feed's key lock, held to the end of the transaction,
// keeps a removal of the feed (deleteFeedIfUnsubscribed) from running
// until the subscription is stored, or makes this wait until the removal
// is done, and then add the feed anew.
func feedFor(ctx context.Context, tx pgx.Tx, f store.Feed, now time.Time) (int64, error) {
	u := text(f.URL)
	for range 2 {
		var id int64
		// A feed that moved away from u: subscribing to u again is
		// subscribing to it.
		err := tx.QueryRow(ctx, "SELECT f.id FROM feeds f WHERE "+byURLOrMoved+byURLFirst+" LIMIT 1 FOR KEY SHARE", u).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
		err = tx.QueryRow(ctx, insertFeed, insertArgs(f, now)...).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // added by another transaction meanwhile: find it
		}
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `WITH back AS (UPDATE items SET feed_id = $1 WHERE feed_id IS NULL AND feed_url = $2 RETURNING 1)
			UPDATE feeds SET item_count = (SELECT count(*) FROM back) WHERE id = $1`, id, u); err != nil {
			return 0, fmt.Errorf("take back its kept items: %w", err)
		}
		return id, nil
	}
	return 0, errors.New("the feed was added and removed meanwhile; try again")
}

// deleteFeedIfUnsubscribed removes a feed nobody subscribes to any more:
// the feed, its tombstones and the items nobody starred go; starred items
// stay without their feed, with its URL and own title kept on them. A feed
// that still has a subscriber stays. It returns whether the feed went.
func deleteFeedIfUnsubscribed(ctx context.Context, tx pgx.Tx, feedID int64) (bool, error) {
	// The feed's row lock first, as SaveFetch takes it: a save running now
	// finishes before the items are deleted (so none of its items outlive
	// the feed), and one starting later finds the feed gone. A Subscribe
	// to it waits too, and then finds it gone or keeps it.
	var url, title string
	err := tx.QueryRow(ctx, `SELECT url, title FROM feeds f WHERE id = $1
		AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = f.id) FOR UPDATE`, feedID).Scan(&url, &title)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var subscribed bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE feed_id = $1)", feedID).Scan(&subscribed); err != nil {
		return false, err
	}
	if subscribed {
		// Subscribed since the check, by a transaction that committed
		// while this one waited for the lock.
		return false, nil
	}
	const starred = "EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = items.id AND st.starred)"
	if _, err := tx.Exec(ctx, "UPDATE items SET feed_url = $2, feed_title = $3 WHERE feed_id = $1 AND "+starred,
		feedID, url, title); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM items WHERE feed_id = $1 AND NOT "+starred, feedID); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM feeds WHERE id = $1", feedID); err != nil {
		return false, err
	}
	return true, nil
}

// FeedList returns every feed with its Schedules, without counts, ordered
// by URL.
func (db *DB) FeedList(ctx context.Context) ([]store.Feed, error) {
	// COLLATE "C": byte order, the same whatever the database's locale.
	feeds, err := queryFeeds(ctx, db.pool, "SELECT "+feedColumns+` FROM feeds f ORDER BY f.url COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return feeds, nil
}

// Reschedule sets a feed's next fetch time after its schedules changed,
// when it waits for its schedule, or for the server's word until later
// than next. A feed that waits for anything else (a Retry-After, a
// backoff, its first fetch) or is gone, and an unknown feed, are left as
// they are.
func (db *DB) Reschedule(ctx context.Context, feedID int64, next time.Time) error {
	err := retry(func() error {
		_, err := db.pool.Exec(ctx, `UPDATE feeds SET next_due = $2, wait_reason = 'schedule'
			WHERE id = $1 AND NOT gone AND (wait_reason = 'schedule' OR (wait_reason = 'server' AND $2 > next_due))`,
			feedID, ts(next))
		return err
	})
	if err != nil {
		return fmt.Errorf("reschedule feed %d: %w", feedID, err)
	}
	return nil
}
