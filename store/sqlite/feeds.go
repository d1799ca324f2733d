package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"tidings/store"
)

// feedColumns are the feeds columns scanFeed reads, in order, unqualified:
// for statements on feeds alone (RETURNING among them).
const feedColumns = `id, url, fetch_url, moved_from, title, site_url, icon_url, etag, last_modified, last_fetch,
	last_success, last_error, error_count, next_due, not_before, wait_reason, gone, redirect_url,
	redirect_count, identity, body_hash, feed_delay, created_at, unreadable_dates, article_error`

// subColumns are what scanSub reads: the feed (alias f), then the
// subscription (alias s) and its counts.
const subColumns = `f.id, f.url, f.fetch_url, f.moved_from, f.title, f.site_url, f.icon_url, f.etag, f.last_modified,
	f.last_fetch, f.last_success, f.last_error, f.error_count, f.next_due, f.not_before, f.wait_reason,
	f.gone, f.redirect_url, f.redirect_count, f.identity, f.body_hash, f.feed_delay, f.created_at,
	f.unreadable_dates, f.article_error,
	s.id, s.user_id, s.title, s.schedule, s.origin, s.config_file, s.config_line, s.created_at,
	f.item_count, f.item_count - s.read_count, s.full_content`

const subFrom = ` FROM subscriptions s JOIN feeds f ON f.id = s.feed_id`

// feedDest returns the scan destinations of feedColumns into f, and a
// function that converts what needs converting once scanned.
func feedDest(f *store.Feed) ([]any, func()) {
	var (
		lastFetch, lastSuccess, nextDue, notBefore, createdAt int64
		identity                                              int
		feedDelay                                             int64
	)
	dest := []any{&f.ID, &f.URL, &f.FetchURL, &f.MovedFrom, &f.Title, &f.SiteURL, &f.IconURL, &f.State.ETag,
		&f.State.LastModified, &lastFetch, &lastSuccess, &f.State.LastError, &f.State.ErrorCount, &nextDue,
		&notBefore, &f.State.WaitReason, &f.State.Gone, &f.State.RedirectURL, &f.State.RedirectCount, &identity,
		&f.State.BodyHash, &feedDelay, &createdAt, &f.State.UnreadableDates, &f.ArticleError}
	return dest, func() {
		f.State.LastFetch = fromMillis(lastFetch)
		f.State.LastSuccess = fromMillis(lastSuccess)
		f.State.NextDue = fromMillis(nextDue)
		f.State.NotBefore = fromMillis(notBefore)
		f.State.Identity = store.Identity(identity)
		f.State.FeedDelay = time.Duration(feedDelay) * time.Millisecond
		f.CreatedAt = fromMillis(createdAt)
	}
}

func scanFeed(s scanner) (store.Feed, error) {
	var f store.Feed
	dest, done := feedDest(&f)
	if err := s.Scan(dest...); err != nil {
		return store.Feed{}, err
	}
	done()
	return f, nil
}

// sub is a subscription as scanned, with its row id, which only this
// package uses.
type sub struct {
	store.Subscription
	rowID int64
}

func scanSub(s scanner) (sub, error) {
	var (
		out        sub
		origin     string
		subscribed int64
	)
	dest, done := feedDest(&out.Feed)
	dest = append(dest, &out.rowID, &out.UserID, &out.UserTitle, &out.Schedule, &origin, &out.ConfigFile,
		&out.ConfigLine, &subscribed, &out.Items, &out.Unread, &out.FullContent)
	if err := s.Scan(dest...); err != nil {
		return sub{}, err
	}
	done()
	out.Origin = store.Origin(origin)
	out.SubscribedAt = fromMillis(subscribed)
	return out, nil
}

// querySubs runs a query of subColumns and fills the subscriptions' tags
// and their feeds' schedules.
func querySubs(ctx context.Context, q queryer, where string, args ...any) ([]sub, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+subColumns+subFrom+" WHERE "+where+" ORDER BY f.url", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var subs []sub
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(subs) == 0 {
		return subs, nil
	}
	if err := loadSubTags(ctx, q, subs); err != nil {
		return nil, err
	}
	feeds := make([]*store.Feed, len(subs))
	for i := range subs {
		feeds[i] = &subs[i].Feed
	}
	if err := loadSchedules(ctx, q, feeds); err != nil {
		return nil, err
	}
	return subs, nil
}

// findSub returns the user's subscription to the feed whose URL or
// FetchURL is u, or an error wrapping store.ErrNotFound.
func findSub(ctx context.Context, q queryer, userID int64, u string) (sub, error) {
	subs, err := querySubs(ctx, q, `s.user_id = ?1 AND (f.url = ?2 OR (f.fetch_url = ?2 AND f.fetch_url <> '')
		OR (f.moved_from = ?2 AND f.moved_from <> '' AND NOT EXISTS (SELECT 1 FROM feeds o WHERE o.url = ?2)))`, userID, u)
	if err != nil {
		return sub{}, fmt.Errorf("feed %s: %w", u, err)
	}
	if len(subs) == 0 {
		return sub{}, fmt.Errorf("feed %s: %w", u, store.ErrNotFound)
	}
	return subs[0], nil
}

func findSubByID(ctx context.Context, q queryer, userID, feedID int64) (sub, error) {
	subs, err := querySubs(ctx, q, "s.user_id = ? AND s.feed_id = ?", userID, feedID)
	if err != nil {
		return sub{}, fmt.Errorf("feed %d: %w", feedID, err)
	}
	if len(subs) == 0 {
		return sub{}, fmt.Errorf("feed %d: %w", feedID, store.ErrNotFound)
	}
	return subs[0], nil
}

const loadSubTagsSQL = `SELECT st.subscription_id, t.name FROM subscription_tags st JOIN tags t ON t.id = st.tag_id
	WHERE st.subscription_id IN (SELECT value FROM json_each(?)) ORDER BY st.subscription_id, st.pos`

// loadSubTags fills Tags of the subscriptions in one query.
func loadSubTags(ctx context.Context, q queryer, subs []sub) error {
	ids := make([]int64, len(subs))
	byID := make(map[int64]*sub, len(subs))
	for i := range subs {
		ids[i] = subs[i].rowID
		subs[i].Tags = []string{}
		byID[subs[i].rowID] = &subs[i]
	}
	rows, err := q.QueryContext(ctx, loadSubTagsSQL, jsonList(ids))
	if err != nil {
		return fmt.Errorf("read tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return fmt.Errorf("read tags: %w", err)
		}
		if s := byID[id]; s != nil {
			s.Tags = append(s.Tags, tag)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tags: %w", err)
	}
	return nil
}

const loadSchedulesSQL = `SELECT DISTINCT feed_id, schedule FROM subscriptions
	WHERE feed_id IN (SELECT value FROM json_each(?)) ORDER BY feed_id, schedule`

// loadSchedules fills Schedules of the feeds in one query.
func loadSchedules(ctx context.Context, q queryer, feeds []*store.Feed) error {
	if len(feeds) == 0 {
		return nil
	}
	ids := make([]int64, len(feeds))
	byID := make(map[int64][]*store.Feed, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
		f.Schedules = []string{}
		byID[f.ID] = append(byID[f.ID], f)
	}
	rows, err := q.QueryContext(ctx, loadSchedulesSQL, jsonList(ids))
	if err != nil {
		return fmt.Errorf("read schedules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var spec string
		if err := rows.Scan(&id, &spec); err != nil {
			return fmt.Errorf("read schedules: %w", err)
		}
		for _, f := range byID[id] {
			f.Schedules = append(f.Schedules, spec)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schedules: %w", err)
	}
	for _, f := range feeds {
		sort.Strings(f.Schedules)
	}
	return nil
}

// jsonList encodes a list for json_each, which lets one parameter carry any
// number of values.
func jsonList[T any](list []T) string {
	if list == nil {
		list = []T{}
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// setTags replaces a subscription's tags, giving each new tag of the user
// an id, and deletes the user's tags no subscription has any more.
func setTags(ctx context.Context, tx *sql.Tx, userID, subID int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM subscription_tags WHERE subscription_id = ?", subID); err != nil {
		return fmt.Errorf("set tags: %w", err)
	}
	for i, t := range store.CleanTags(tags) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO tags (user_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
			userID, t); err != nil {
			return fmt.Errorf("set tags: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscription_tags (subscription_id, tag_id, pos)
			SELECT ?, id, ? FROM tags WHERE user_id = ? AND name = ?`, subID, i, userID, t); err != nil {
			return fmt.Errorf("set tags: %w", err)
		}
	}
	return dropUnusedTags(ctx, tx, userID)
}

func dropUnusedTags(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE user_id = ?
		AND NOT EXISTS (SELECT 1 FROM subscription_tags st WHERE st.tag_id = tags.id)`, userID); err != nil {
		return fmt.Errorf("set tags: %w", err)
	}
	return nil
}

// findFeedID returns the ID of the feed whose URL or FetchURL is u, or 0.
func findFeedID(ctx context.Context, q queryer, u string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT id FROM feeds WHERE url = ? OR (fetch_url = ? AND fetch_url <> '') ORDER BY url = ? DESC LIMIT 1",
		u, u, u).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// A feed that moved away from u: subscribing to u again is
		// subscribing to it.
		err = q.QueryRowContext(ctx, "SELECT id FROM feeds WHERE moved_from = ? AND moved_from <> '' LIMIT 1", u).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// insertFeed stores a new feed and returns its ID. A new feed with no
// NextDue is due at once (next_due 0). Items kept from a removed feed with
// the same URL (starred ones) become its items again.
func insertFeed(ctx context.Context, tx *sql.Tx, f store.Feed, now time.Time) (int64, error) {
	if f.State.WaitReason == "" && f.State.LastFetch.IsZero() {
		f.State.WaitReason = store.WaitNew
	}
	s := f.State
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO feeds (url, fetch_url, title, site_url, icon_url,
		etag, last_modified, last_fetch, last_success, last_error, error_count, next_due, not_before,
		wait_reason, gone, redirect_url, redirect_count, identity, body_hash, feed_delay, created_at, unreadable_dates)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.URL, f.FetchURL, f.Title, f.SiteURL, f.IconURL, s.ETag, s.LastModified, toMillis(s.LastFetch),
		toMillis(s.LastSuccess), s.LastError, s.ErrorCount, toMillis(s.NextDue), toMillis(s.NotBefore), s.WaitReason,
		s.Gone, s.RedirectURL, s.RedirectCount, int(s.Identity), s.BodyHash, s.FeedDelay.Milliseconds(),
		toMillis(now), s.UnreadableDates).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add feed %s: %w", f.URL, err)
	}
	// Items kept from an earlier feed with this URL belong to the feed
	// again, so fetching them once more updates them instead of storing
	// them twice.
	r, err := tx.ExecContext(ctx, "UPDATE items SET feed_id = ? WHERE feed_id IS NULL AND feed_url = ?", id, f.URL)
	if err != nil {
		return 0, fmt.Errorf("add feed %s: take back its kept items: %w", f.URL, err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		if _, err := tx.ExecContext(ctx, "UPDATE feeds SET item_count = ? WHERE id = ?", n, id); err != nil {
			return 0, fmt.Errorf("add feed %s: %w", f.URL, err)
		}
	}
	return id, nil
}

// recountRead sets read_count of the subscriptions of feedIDs from the
// items' states: after items left or joined the feeds.
func recountRead(ctx context.Context, tx *sql.Tx, feedIDs []int64) error {
	if len(feedIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE subscriptions SET read_count = (SELECT count(*) FROM items i
		WHERE i.feed_id = subscriptions.feed_id AND EXISTS (SELECT 1 FROM item_states st
			WHERE st.user_id = subscriptions.user_id AND st.item_id = i.id AND st.read = 1))
		WHERE feed_id IN (SELECT value FROM json_each(?))`, jsonList(feedIDs))
	if err != nil {
		return fmt.Errorf("count read items: %w", err)
	}
	return nil
}

// recountItems sets item_count of feedIDs.
func recountItems(ctx context.Context, tx *sql.Tx, feedIDs []int64) error {
	if len(feedIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE feed_id = feeds.id)
		WHERE id IN (SELECT value FROM json_each(?))`, jsonList(feedIDs))
	if err != nil {
		return fmt.Errorf("count items: %w", err)
	}
	return nil
}

func checkURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return errors.New("add feed: empty URL; give the feed's http or https URL")
	}
	return nil
}

// checkUser returns an error wrapping store.ErrNotFound when no user has
// the ID.
func checkUser(ctx context.Context, q queryer, userID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE id = ?", userID).Scan(&n); err != nil {
		return fmt.Errorf("user %d: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("user %d: %w", userID, store.ErrNotFound)
	}
	return nil
}

// subscribe subscribes the user to s.URL in tx, adding the feed if no feed
// has that URL. It returns the subscription's row id, or an error
// wrapping store.ErrExists.
func subscribe(ctx context.Context, tx *sql.Tx, userID int64, s store.Subscription, now time.Time) (int64, error) {
	if s.Origin == "" {
		s.Origin = store.OriginUser
	}
	feedID, err := findFeedID(ctx, tx, s.URL)
	if err != nil {
		return 0, fmt.Errorf("add feed %s: %w", s.URL, err)
	}
	if feedID == 0 {
		if feedID, err = insertFeed(ctx, tx, s.Feed, now); err != nil {
			return 0, err
		}
	} else {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM subscriptions WHERE user_id = ? AND feed_id = ?",
			userID, feedID).Scan(&n); err != nil {
			return 0, fmt.Errorf("add feed %s: %w", s.URL, err)
		}
		if n > 0 {
			return 0, fmt.Errorf("add feed %s: %w", s.URL, store.ErrExists)
		}
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO subscriptions (user_id, feed_id, title, schedule, origin,
		config_file, config_line, created_at, full_content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		userID, feedID, strings.TrimSpace(s.UserTitle), strings.TrimSpace(s.Schedule), string(s.Origin),
		s.ConfigFile, s.ConfigLine, toMillis(now), s.FullContent).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add feed %s: %w", s.URL, err)
	}
	if err := setTags(ctx, tx, userID, id, s.Tags); err != nil {
		return 0, fmt.Errorf("add feed %s: %w", s.URL, err)
	}
	// Items this user read before (kept starred ones) count as read.
	if err := recountRead(ctx, tx, []int64{feedID}); err != nil {
		return 0, fmt.Errorf("add feed %s: %w", s.URL, err)
	}
	return id, nil
}

// Subscribe subscribes the user to s.URL, adding the feed if no feed has
// that URL (or FetchURL). It returns the subscription with counts, or an
// error wrapping store.ErrExists if the user has it already.
func (db *DB) Subscribe(ctx context.Context, userID int64, s store.Subscription) (store.Subscription, error) {
	if err := checkURL(s.URL); err != nil {
		return store.Subscription{}, err
	}
	var out sub
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := subscribe(ctx, tx, userID, s, time.Now()); err != nil {
			return err
		}
		var err error
		out, err = findSub(ctx, tx, userID, s.URL)
		return err
	})
	return out.Subscription, err
}

// declared returns a *DeclaredError for a config subscription, else nil.
func declared(s sub) error {
	if s.Origin == store.OriginConfig {
		return &store.DeclaredError{URL: s.URL, File: s.ConfigFile, Line: s.ConfigLine}
	}
	return nil
}

// EditSubscription changes a user subscription's title, schedule or tags.
// It returns an error wrapping store.ErrNotFound, or a
// *store.DeclaredError for a config one.
func (db *DB) EditSubscription(ctx context.Context, userID int64, u string, e store.FeedEdit) (store.Subscription, error) {
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
		if e.Title != nil {
			s.UserTitle = strings.TrimSpace(*e.Title)
		}
		if e.Schedule != nil {
			s.Schedule = strings.TrimSpace(*e.Schedule)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE subscriptions SET title = ?, schedule = ? WHERE id = ?",
			s.UserTitle, s.Schedule, s.rowID); err != nil {
			return fmt.Errorf("edit feed %s: %w", u, err)
		}
		if len(e.AddTags) > 0 || len(e.RemoveTags) > 0 {
			remove := make(map[string]bool)
			for _, t := range e.RemoveTags {
				remove[store.NormalizeTag(t)] = true
			}
			var tags []string
			for _, t := range append(s.Tags, e.AddTags...) {
				if !remove[store.NormalizeTag(t)] {
					tags = append(tags, t)
				}
			}
			if err := setTags(ctx, tx, userID, s.rowID, tags); err != nil {
				return fmt.Errorf("edit feed %s: %w", u, err)
			}
		}
		out, err = findSubByID(ctx, tx, userID, s.ID)
		return err
	})
	return out.Subscription, err
}

// Unsubscribe ends a user subscription (see store.Store). It returns an
// error wrapping store.ErrNotFound, or a *store.DeclaredError for a config
// one.
func (db *DB) Unsubscribe(ctx context.Context, userID int64, u string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		s, err := findSub(ctx, tx, userID, u)
		if err != nil {
			return err
		}
		if err := declared(s); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		return unsubscribe(ctx, tx, s)
	})
}

// unsubscribe deletes a subscription and the user's read state of its
// feed's items (their starred items stay theirs), and the feed when
// nobody subscribes to it any more.
func unsubscribe(ctx context.Context, tx *sql.Tx, s sub) error {
	// The subscription first: the triggers of unread_items then find the
	// feed no longer followed and give the read items no unread rows, to
	// be deleted again with the subscription.
	if _, err := tx.ExecContext(ctx, "DELETE FROM subscriptions WHERE id = ?", s.rowID); err != nil {
		return fmt.Errorf("remove feed %s: %w", s.URL, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM item_states WHERE user_id = ? AND starred = 0
		AND item_id IN (SELECT id FROM items WHERE feed_id = ?)`, s.UserID, s.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", s.URL, err)
	}
	if err := dropUnusedTags(ctx, tx, s.UserID); err != nil {
		return fmt.Errorf("remove feed %s: %w", s.URL, err)
	}
	return dropUnfollowed(ctx, tx, []int64{s.ID})
}

// dropUnfollowed deletes those of feedIDs that nobody subscribes to, with
// their items except those someone starred, which stay without a feed but
// with its URL and title.
func dropUnfollowed(ctx context.Context, tx *sql.Tx, feedIDs []int64) error {
	const orphan = `id IN (SELECT value FROM json_each(?1))
		AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = feeds.id)`
	ids := jsonList(feedIDs)
	steps := []string{
		`UPDATE items SET feed_url = f.url, feed_title = f.title FROM feeds f
			WHERE items.feed_id = f.id AND f.id IN (SELECT value FROM json_each(?1))
			AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = f.id)
			AND EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = items.id AND st.starred = 1)`,
		`DELETE FROM items WHERE feed_id IN (SELECT id FROM feeds WHERE ` + orphan + `)
			AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = items.id AND st.starred = 1)`,
		`DELETE FROM feeds WHERE ` + orphan,
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q, ids); err != nil {
			return fmt.Errorf("remove unfollowed feeds: %w", err)
		}
	}
	return nil
}

// ConfigFiles returns the config files of the user's config
// subscriptions, each with its number of subscriptions.
func (db *DB) ConfigFiles(ctx context.Context, userID int64) (map[string]int, error) {
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list config files: %w", err)
	}
	rows, err := db.read.QueryContext(ctx,
		"SELECT config_file, count(*) FROM subscriptions WHERE user_id = ? AND origin = 'config' GROUP BY config_file", userID)
	if err != nil {
		return nil, fmt.Errorf("list config files: %w", err)
	}
	defer rows.Close()
	files := make(map[string]int)
	for rows.Next() {
		var file string
		var n int
		if err := rows.Scan(&file, &n); err != nil {
			return nil, fmt.Errorf("list config files: %w", err)
		}
		files[file] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list config files: %w", err)
	}
	return files, nil
}

// Subscription returns the user's subscription to the feed whose URL or
// FetchURL is u, with its counts, or an error wrapping store.ErrNotFound.
func (db *DB) Subscription(ctx context.Context, userID int64, u string) (store.Subscription, error) {
	s, err := findSub(ctx, db.read, userID, u)
	return s.Subscription, err
}

// SubscriptionByID returns the user's subscription to the feed with that
// ID, with its counts, or an error wrapping store.ErrNotFound.
func (db *DB) SubscriptionByID(ctx context.Context, userID, feedID int64) (store.Subscription, error) {
	s, err := findSubByID(ctx, db.read, userID, feedID)
	return s.Subscription, err
}

// Subscriptions returns the user's subscriptions, by URL. The counts cost
// nothing more (they are kept, not counted), so they are always there;
// counts is part of the interface for backends where they cost.
func (db *DB) Subscriptions(ctx context.Context, userID int64, counts bool) ([]store.Subscription, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	var subs []sub
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		subs, err = querySubs(ctx, tx, "s.user_id = ?", userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	out := make([]store.Subscription, len(subs))
	for i, s := range subs {
		out[i] = s.Subscription
		if !counts {
			out[i].Items, out[i].Unread = 0, 0
		}
	}
	return out, nil
}

// FeedList returns every feed with its schedules, by URL.
func (db *DB) FeedList(ctx context.Context) ([]store.Feed, error) {
	var feeds []store.Feed
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+feedColumns+" FROM feeds ORDER BY url")
		if err != nil {
			return err
		}
		if feeds, err = scanFeeds(rows); err != nil {
			return err
		}
		ptrs := make([]*store.Feed, len(feeds))
		for i := range feeds {
			ptrs[i] = &feeds[i]
		}
		return loadSchedules(ctx, tx, ptrs)
	})
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	return feeds, nil
}

// scanFeeds reads rows of feedColumns, and closes them.
func scanFeeds(rows *sql.Rows) ([]store.Feed, error) {
	defer rows.Close()
	var feeds []store.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, err
		}
		feeds = append(feeds, f)
	}
	return feeds, rows.Err()
}

// Reschedule sets the feed's next fetch time when it waits for its
// schedule, or for the server's word and next is later still.
func (db *DB) Reschedule(ctx context.Context, feedID int64, next time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE feeds SET next_due = ?1, wait_reason = 'schedule'
			WHERE id = ?2 AND gone = 0 AND (wait_reason = 'schedule' OR (wait_reason = 'server' AND ?1 > next_due))`,
			toMillis(next), feedID)
		return err
	})
	if err != nil {
		return fmt.Errorf("reschedule feed %d: %w", feedID, err)
	}
	return nil
}

// declaredTitle is the title a [[feed]] block gives: config code may put it
// in UserTitle or Title; either way it is stored as the user's title.
func declaredTitle(s store.Subscription) string {
	if s.UserTitle != "" {
		return s.UserTitle
	}
	return s.Title
}

// SyncDeclared makes the user's config subscriptions equal declared, in
// one transaction (see store.Store): adds missing ones, updates title
// (UserTitle, or Title when UserTitle is empty), tags, schedule, file and
// line of changed ones, ends config subscriptions no longer declared whose
// ConfigFile is in owned (keeping starred items), and takes over user
// subscriptions with a declared URL (listed in Conflicts), remembering the
// user's title, schedule and tags. A taken-over subscription no longer
// declared is not ended but given back to the user as it was (listed in
// Released). User subscriptions are otherwise never touched. A URL
// declared twice counts once.
func (db *DB) SyncDeclared(ctx context.Context, userID int64, owned []string, decl []store.Subscription) (store.SyncResult, error) {
	var res store.SyncResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res = store.SyncResult{}
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		existing, err := querySubs(ctx, tx, "s.user_id = ?", userID)
		if err != nil {
			return fmt.Errorf("sync declared feeds: %w", err)
		}
		byURL := make(map[string]*sub, len(existing))
		for i := range existing {
			byURL[existing[i].URL] = &existing[i]
			if existing[i].FetchURL != "" {
				if _, ok := byURL[existing[i].FetchURL]; !ok {
					byURL[existing[i].FetchURL] = &existing[i]
				}
			}
		}
		now := time.Now()
		wanted := make(map[int64]bool, len(decl))
		seen := make(map[string]bool, len(decl))
		for _, d := range decl {
			if err := checkURL(d.URL); err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			if seen[d.URL] {
				continue
			}
			seen[d.URL] = true
			title := declaredTitle(d)
			cur, ok := byURL[d.URL]
			if !ok {
				ns := store.Subscription{Feed: store.Feed{URL: d.URL}, UserTitle: title, Tags: d.Tags,
					Schedule: d.Schedule, Origin: store.OriginConfig, ConfigFile: d.ConfigFile, ConfigLine: d.ConfigLine}
				if _, err := subscribe(ctx, tx, userID, ns, now); err != nil {
					return fmt.Errorf("sync declared feeds: %w", err)
				}
				res.Added = append(res.Added, d.URL)
				continue
			}
			wanted[cur.rowID] = true
			changed := cur.Origin != store.OriginConfig || cur.UserTitle != title || cur.Schedule != d.Schedule ||
				cur.ConfigFile != d.ConfigFile || cur.ConfigLine != d.ConfigLine || !store.SameTags(cur.Tags, d.Tags)
			if !changed {
				continue
			}
			if cur.Origin != store.OriginConfig {
				// Keep what the user had, to give it back when the
				// block goes.
				if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET prior_user = 1, prior_title = ?,
					prior_schedule = ?, prior_tags = ? WHERE id = ?`,
					cur.UserTitle, cur.Schedule, jsonList(cur.Tags), cur.rowID); err != nil {
					return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET origin = 'config', title = ?, schedule = ?,
				config_file = ?, config_line = ? WHERE id = ?`,
				title, d.Schedule, d.ConfigFile, d.ConfigLine, cur.rowID); err != nil {
				return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
			}
			if err := setTags(ctx, tx, userID, cur.rowID, d.Tags); err != nil {
				return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
			}
			if cur.Origin != store.OriginConfig {
				res.Conflicts = append(res.Conflicts, d.URL)
			} else {
				res.Updated = append(res.Updated, d.URL)
			}
		}
		mine := make(map[string]bool, len(owned))
		for _, file := range owned {
			mine[file] = true
		}
		for _, s := range existing {
			// A subscription declared by a file this sync does not
			// speak for stays: another config file may still declare it.
			if s.Origin != store.OriginConfig || wanted[s.rowID] || !mine[s.ConfigFile] {
				continue
			}
			released, err := giveBack(ctx, tx, s)
			if err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			if released {
				res.Released = append(res.Released, s.URL)
				continue
			}
			if err := unsubscribe(ctx, tx, s); err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			res.Removed = append(res.Removed, s.URL)
			if res.RemovedItems == nil {
				res.RemovedItems = make(map[string]int)
			}
			res.RemovedItems[s.URL] = s.Items
		}
		return nil
	})
	return res, err
}

// giveBack makes a config subscription that took over a user's one the
// user's again, with their own title, schedule and tags. It reports false,
// changing nothing, for one that was never the user's.
func giveBack(ctx context.Context, tx *sql.Tx, s sub) (bool, error) {
	var (
		prior                  bool
		title, schedule, jtags string
	)
	err := tx.QueryRowContext(ctx, "SELECT prior_user, prior_title, prior_schedule, prior_tags FROM subscriptions WHERE id = ?",
		s.rowID).Scan(&prior, &title, &schedule, &jtags)
	if err != nil {
		return false, fmt.Errorf("release feed %s: %w", s.URL, err)
	}
	if !prior {
		return false, nil
	}
	var tags []string
	if err := json.Unmarshal([]byte(jtags), &tags); err != nil {
		return false, fmt.Errorf("release feed %s: read the user's tags: %w", s.URL, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET origin = 'user', title = ?, schedule = ?,
		config_file = '', config_line = 0, prior_user = 0, prior_title = '', prior_schedule = '', prior_tags = '[]'
		WHERE id = ?`, title, schedule, s.rowID); err != nil {
		return false, fmt.Errorf("release feed %s: %w", s.URL, err)
	}
	if err := setTags(ctx, tx, s.UserID, s.rowID, tags); err != nil {
		return false, fmt.Errorf("release feed %s: %w", s.URL, err)
	}
	return true, nil
}

// ImportFeeds subscribes the user to many feeds in one transaction: all or
// nothing. Feeds the user has already, and URLs repeated in the input, are
// listed in Skipped.
func (db *DB) ImportFeeds(ctx context.Context, userID int64, subs []store.Subscription) (store.ImportResult, error) {
	var res store.ImportResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res = store.ImportResult{}
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		now := time.Now()
		seen := make(map[string]bool, len(subs))
		for _, s := range subs {
			if err := checkURL(s.URL); err != nil {
				return fmt.Errorf("import feeds: %w", err)
			}
			if seen[s.URL] {
				res.Skipped = append(res.Skipped, s.URL)
				continue
			}
			seen[s.URL] = true
			s.Origin = store.OriginUser
			s.ConfigFile, s.ConfigLine = "", 0
			_, err := subscribe(ctx, tx, userID, s, now)
			if errors.Is(err, store.ErrExists) {
				res.Skipped = append(res.Skipped, s.URL)
				continue
			}
			if err != nil {
				return fmt.Errorf("import feeds: %w", err)
			}
			res.Added = append(res.Added, s.URL)
		}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

// Tags returns the user's tags with their feed and unread counts, by name.
func (db *DB) Tags(ctx context.Context, userID int64) ([]store.Tag, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.read.QueryContext(ctx, `SELECT t.id, t.name, count(*), coalesce(sum(f.item_count - s.read_count), 0)
		FROM tags t JOIN subscription_tags st ON st.tag_id = t.id
		JOIN subscriptions s ON s.id = st.subscription_id JOIN feeds f ON f.id = s.feed_id
		WHERE t.user_id = ? GROUP BY t.id ORDER BY t.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	tags := []store.Tag{}
	for rows.Next() {
		var t store.Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Feeds, &t.Unread); err != nil {
			return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
		}
		tags = append(tags, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	return tags, nil
}

// unreadCountsSQL is the user's (?1) unread count of each subscription
// (kind 0, by feed ID) and of each tag (kind 1, by tag ID), from the kept
// counts: one pass over the user's subscriptions, whatever the number of
// items.
const unreadCountsSQL = `SELECT 0, s.feed_id, f.item_count - s.read_count
	FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = ?1
	UNION ALL
	SELECT 1, st.tag_id, sum(f.item_count - s.read_count)
	FROM subscriptions s JOIN feeds f ON f.id = s.feed_id JOIN subscription_tags st ON st.subscription_id = s.id
	WHERE s.user_id = ?1 GROUP BY st.tag_id`

// UnreadCounts returns the user's unread counts per feed and per tag, in
// one query.
func (db *DB) UnreadCounts(ctx context.Context, userID int64) (store.Counts, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return store.Counts{}, fmt.Errorf("count unread items: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.read.QueryContext(ctx, unreadCountsSQL, userID)
	if err != nil {
		return store.Counts{}, fmt.Errorf("count unread items: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	c := store.Counts{Feeds: map[int64]int{}, Tags: map[int64]int{}}
	for rows.Next() {
		var kind int
		var id int64
		var n int
		if err := rows.Scan(&kind, &id, &n); err != nil {
			return store.Counts{}, fmt.Errorf("count unread items: %w", db.QueryTimeoutError(ctx, err))
		}
		if kind == 0 {
			c.Feeds[id] = n
			c.Total += n
		} else {
			c.Tags[id] = n
		}
	}
	if err := rows.Err(); err != nil {
		return store.Counts{}, fmt.Errorf("count unread items: %w", db.QueryTimeoutError(ctx, err))
	}
	return c, nil
}
