package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"tidings/store"
)

// feedColumns are the feeds columns scanFeed reads, in order.
const feedColumns = `id, url, fetch_url, title, user_title, site_url, icon_url, schedule,
	origin, config_file, config_line, etag, last_modified, last_fetch, last_success,
	last_error, error_count, next_due, not_before, wait_reason, gone, redirect_url,
	redirect_count, identity, body_hash, feed_delay, created_at`

func scanFeed(s scanner) (store.Feed, error) {
	var (
		f                                                     store.Feed
		origin                                                string
		lastFetch, lastSuccess, nextDue, notBefore, createdAt int64
		identity                                              int
		feedDelay                                             int64
	)
	err := s.Scan(&f.ID, &f.URL, &f.FetchURL, &f.Title, &f.UserTitle, &f.SiteURL, &f.IconURL, &f.Schedule,
		&origin, &f.ConfigFile, &f.ConfigLine, &f.State.ETag, &f.State.LastModified, &lastFetch, &lastSuccess,
		&f.State.LastError, &f.State.ErrorCount, &nextDue, &notBefore, &f.State.WaitReason, &f.State.Gone,
		&f.State.RedirectURL, &f.State.RedirectCount, &identity, &f.State.BodyHash, &feedDelay, &createdAt)
	if err != nil {
		return store.Feed{}, err
	}
	f.Origin = store.Origin(origin)
	f.State.LastFetch = fromMillis(lastFetch)
	f.State.LastSuccess = fromMillis(lastSuccess)
	f.State.NextDue = fromMillis(nextDue)
	f.State.NotBefore = fromMillis(notBefore)
	f.State.Identity = store.Identity(identity)
	f.State.FeedDelay = time.Duration(feedDelay) * time.Millisecond
	f.CreatedAt = fromMillis(createdAt)
	return f, nil
}

// findFeed returns the feed whose URL or FetchURL is u, without counts.
func findFeed(ctx context.Context, q queryer, u string) (store.Feed, error) {
	f, err := scanFeed(q.QueryRowContext(ctx, "SELECT "+feedColumns+
		" FROM feeds WHERE url = ? OR (fetch_url = ? AND fetch_url <> '') ORDER BY url = ? DESC LIMIT 1", u, u, u))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Feed{}, fmt.Errorf("feed %s: %w", u, store.ErrNotFound)
	}
	if err != nil {
		return store.Feed{}, fmt.Errorf("feed %s: %w", u, err)
	}
	if err := loadTags(ctx, q, []*store.Feed{&f}); err != nil {
		return store.Feed{}, err
	}
	return f, nil
}

const loadTagsSQL = `SELECT feed_id, tag FROM feed_tags
	WHERE feed_id IN (SELECT value FROM json_each(?)) ORDER BY feed_id, pos`

// loadTags fills Tags of the given feeds in one query.
func loadTags(ctx context.Context, q queryer, feeds []*store.Feed) error {
	if len(feeds) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, loadTagsSQL, feedIDs(feeds))
	if err != nil {
		return fmt.Errorf("read feed tags: %w", err)
	}
	return scanTags(rows, feeds)
}

// feedIDs is the JSON list of the feeds' IDs, for loadTagsSQL.
func feedIDs(feeds []*store.Feed) string {
	ids := make([]int64, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
	}
	return jsonList(ids)
}

// scanTags reads the rows of loadTagsSQL into the feeds' Tags, and closes
// them.
func scanTags(rows *sql.Rows, feeds []*store.Feed) error {
	defer rows.Close()
	byID := make(map[int64][]*store.Feed, len(feeds))
	for _, f := range feeds {
		f.Tags = []string{}
		byID[f.ID] = append(byID[f.ID], f)
	}
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return fmt.Errorf("read feed tags: %w", err)
		}
		for _, f := range byID[id] {
			f.Tags = append(f.Tags, tag)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read feed tags: %w", err)
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

// setTags replaces a feed's tags.
func setTags(ctx context.Context, tx *sql.Tx, id int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM feed_tags WHERE feed_id = ?", id); err != nil {
		return fmt.Errorf("set tags: %w", err)
	}
	for i, t := range store.CleanTags(tags) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO feed_tags (feed_id, tag, pos) VALUES (?, ?, ?)", id, t, i); err != nil {
			return fmt.Errorf("set tags: %w", err)
		}
	}
	return nil
}

// The counts of items and unread items of some feeds (a JSON list of
// IDs), or of all; both read only an index on (feed_id, ..., read).
const (
	countItemsSQL = `SELECT feed_id, count(*), coalesce(sum(read = 0), 0) FROM items
		WHERE feed_id IN (SELECT value FROM json_each(?)) GROUP BY feed_id`
	countAllItemsSQL = `SELECT feed_id, count(*), coalesce(sum(read = 0), 0) FROM items
		WHERE feed_id IS NOT NULL GROUP BY feed_id`
)

// countItems fills Items and Unread of the given feeds.
func countItems(ctx context.Context, q queryer, feeds []*store.Feed) error {
	if len(feeds) == 0 {
		return nil
	}
	query := countItemsSQL
	ids := make([]int64, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
	}
	args := []any{jsonList(ids)}
	if len(feeds) > 50 {
		// Counting everything in one pass over the index beats a lookup
		// per feed when many feeds are asked for.
		query = countAllItemsSQL
		args = nil
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("count items: %w", err)
	}
	defer rows.Close()
	counts := make(map[int64][2]int)
	for rows.Next() {
		var id int64
		var n, unread int
		if err := rows.Scan(&id, &n, &unread); err != nil {
			return fmt.Errorf("count items: %w", err)
		}
		counts[id] = [2]int{n, unread}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count items: %w", err)
	}
	for _, f := range feeds {
		c := counts[f.ID]
		f.Items, f.Unread = c[0], c[1]
	}
	return nil
}

// insertFeed stores a new feed and returns its ID. A new feed with no
// NextDue is due at once (next_due 0). Starred items kept from a removed
// feed with the same URL become its items again.
func insertFeed(ctx context.Context, tx *sql.Tx, f store.Feed, now time.Time) (int64, error) {
	if f.Origin == "" {
		f.Origin = store.OriginUser
	}
	if f.State.WaitReason == "" && f.State.LastFetch.IsZero() {
		f.State.WaitReason = store.WaitNew
	}
	s := f.State
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO feeds (url, fetch_url, title, user_title, site_url, icon_url,
		schedule, origin, config_file, config_line, etag, last_modified, last_fetch, last_success,
		last_error, error_count, next_due, not_before, wait_reason, gone, redirect_url, redirect_count,
		identity, body_hash, feed_delay, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.URL, f.FetchURL, f.Title, f.UserTitle, f.SiteURL, f.IconURL, f.Schedule, string(f.Origin),
		f.ConfigFile, f.ConfigLine, s.ETag, s.LastModified, toMillis(s.LastFetch), toMillis(s.LastSuccess),
		s.LastError, s.ErrorCount, toMillis(s.NextDue), toMillis(s.NotBefore), s.WaitReason, s.Gone,
		s.RedirectURL, s.RedirectCount, int(s.Identity), s.BodyHash, s.FeedDelay.Milliseconds(), toMillis(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add feed %s: %w", f.URL, err)
	}
	if err := setTags(ctx, tx, id, f.Tags); err != nil {
		return 0, fmt.Errorf("add feed %s: %w", f.URL, err)
	}
	// Starred items kept from an earlier subscription to this URL belong
	// to the feed again, so fetching them once more updates them instead
	// of storing them twice.
	if _, err := tx.ExecContext(ctx, "UPDATE items SET feed_id = ? WHERE feed_id IS NULL AND feed_url = ?",
		id, f.URL); err != nil {
		return 0, fmt.Errorf("add feed %s: take back its kept items: %w", f.URL, err)
	}
	return id, nil
}

// subscribed reports whether a feed has u as its URL or FetchURL.
func subscribed(ctx context.Context, tx *sql.Tx, u string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM feeds WHERE url = ? OR (fetch_url = ? AND fetch_url <> '')", u, u).Scan(&n)
	return n > 0, err
}

func checkURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return errors.New("add feed: empty URL; give the feed's http or https URL")
	}
	return nil
}

// AddFeed subscribes to f (origin user unless set). It returns the stored
// feed, or an error wrapping store.ErrExists if a feed has that URL (as its
// URL or as the URL it moved to).
func (db *DB) AddFeed(ctx context.Context, f store.Feed) (store.Feed, error) {
	if err := checkURL(f.URL); err != nil {
		return store.Feed{}, err
	}
	var out store.Feed
	err := db.tx(ctx, func(tx *sql.Tx) error {
		exists, err := subscribed(ctx, tx, f.URL)
		if err != nil {
			return fmt.Errorf("add feed %s: %w", f.URL, err)
		}
		if exists {
			return fmt.Errorf("add feed %s: %w", f.URL, store.ErrExists)
		}
		if _, err := insertFeed(ctx, tx, f, time.Now()); err != nil {
			return err
		}
		out, err = findFeed(ctx, tx, f.URL)
		return err
	})
	return out, err
}

// declared returns a *DeclaredError for a config feed, else nil.
func declared(f store.Feed) error {
	if f.Origin == store.OriginConfig {
		return &store.DeclaredError{URL: f.URL, File: f.ConfigFile, Line: f.ConfigLine}
	}
	return nil
}

// EditFeed changes a user feed's title, schedule or tags. It returns an
// error wrapping store.ErrNotFound, or a *store.DeclaredError for a config
// feed.
func (db *DB) EditFeed(ctx context.Context, u string, e store.FeedEdit) (store.Feed, error) {
	var out store.Feed
	err := db.tx(ctx, func(tx *sql.Tx) error {
		f, err := findFeed(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := declared(f); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		if e.Title != nil {
			f.UserTitle = strings.TrimSpace(*e.Title)
		}
		if e.Schedule != nil {
			f.Schedule = strings.TrimSpace(*e.Schedule)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE feeds SET user_title = ?, schedule = ? WHERE id = ?",
			f.UserTitle, f.Schedule, f.ID); err != nil {
			return fmt.Errorf("edit feed %s: %w", u, err)
		}
		if len(e.AddTags) > 0 || len(e.RemoveTags) > 0 {
			remove := make(map[string]bool)
			for _, t := range e.RemoveTags {
				remove[store.NormalizeTag(t)] = true
			}
			var tags []string
			for _, t := range append(f.Tags, e.AddTags...) {
				if !remove[store.NormalizeTag(t)] {
					tags = append(tags, t)
				}
			}
			if err := setTags(ctx, tx, f.ID, tags); err != nil {
				return fmt.Errorf("edit feed %s: %w", u, err)
			}
		}
		out, err = findFeed(ctx, tx, f.URL)
		if err != nil {
			return err
		}
		return countItems(ctx, tx, []*store.Feed{&out})
	})
	return out, err
}

// RemoveFeed unsubscribes from a user feed: the feed, its tombstones and its
// unstarred items go; starred items stay, with the feed's URL and title
// kept on them. It returns an error wrapping store.ErrNotFound, or a
// *store.DeclaredError for a config feed.
func (db *DB) RemoveFeed(ctx context.Context, u string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		f, err := findFeed(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := declared(f); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		return deleteFeed(ctx, tx, f)
	})
}

func deleteFeed(ctx context.Context, tx *sql.Tx, f store.Feed) error {
	if _, err := tx.ExecContext(ctx, "UPDATE items SET feed_url = ?, feed_title = ? WHERE feed_id = ? AND starred = 1",
		f.URL, feedTitle(f), f.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", f.URL, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM items WHERE feed_id = ? AND starred = 0", f.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", f.URL, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM feeds WHERE id = ?", f.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", f.URL, err)
	}
	return nil
}

// feedTitle is the title items show for their feed: the user's or the
// feed's own (empty when neither is known).
func feedTitle(f store.Feed) string {
	if f.UserTitle != "" {
		return f.UserTitle
	}
	return f.Title
}

// ConfigFiles returns the config files of the stored config feeds, each
// with its number of feeds.
func (db *DB) ConfigFiles(ctx context.Context) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx,
		"SELECT config_file, count(*) FROM feeds WHERE origin = 'config' GROUP BY config_file")
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

// Feed returns the feed whose URL or FetchURL is u, with its counts, or an
// error wrapping store.ErrNotFound.
func (db *DB) Feed(ctx context.Context, u string) (store.Feed, error) {
	var f store.Feed
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		f, err = findFeed(ctx, tx, u)
		if err != nil {
			return err
		}
		return countItems(ctx, tx, []*store.Feed{&f})
	})
	return f, err
}

// Feeds returns every feed, with counts, ordered by URL.
func (db *DB) Feeds(ctx context.Context) ([]store.Feed, error) {
	return db.feeds(ctx, true)
}

// FeedList returns every feed, without counts, ordered by URL.
func (db *DB) FeedList(ctx context.Context) ([]store.Feed, error) {
	return db.feeds(ctx, false)
}

func (db *DB) feeds(ctx context.Context, counts bool) ([]store.Feed, error) {
	var feeds []store.Feed
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		feeds, err = queryFeeds(ctx, tx, "SELECT "+feedColumns+" FROM feeds ORDER BY url")
		if err != nil {
			return err
		}
		ptrs := make([]*store.Feed, len(feeds))
		for i := range feeds {
			ptrs[i] = &feeds[i]
		}
		if err := loadTags(ctx, tx, ptrs); err != nil {
			return err
		}
		if !counts {
			return nil
		}
		return countItems(ctx, tx, ptrs)
	})
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return feeds, nil
}

func queryFeeds(ctx context.Context, q queryer, query string, args ...any) ([]store.Feed, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanFeeds(rows)
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

// declaredTitle is the title a [[feed]] block gives: config code may put it
// in UserTitle or Title; either way it is stored as the user's title.
func declaredTitle(f store.Feed) string {
	if f.UserTitle != "" {
		return f.UserTitle
	}
	return f.Title
}

// SyncDeclared makes the config feeds in the store equal declared, in one
// transaction: adds missing ones, updates title (UserTitle, or Title when
// UserTitle is empty), tags, schedule, file and line of changed ones,
// removes config feeds no longer declared whose ConfigFile is in owned
// (keeping their starred items), and takes over user feeds with a declared
// URL (listed in Conflicts), remembering the user's title, schedule and
// tags. A taken-over feed no longer declared is not removed but given back
// to the user as it was (listed in Released). Config feeds of files not in
// owned stay.
// User feeds are otherwise never touched. A URL declared twice counts once.
func (db *DB) SyncDeclared(ctx context.Context, owned []string, decl []store.Feed) (store.SyncResult, error) {
	var res store.SyncResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res = store.SyncResult{}
		existing, err := queryFeeds(ctx, tx, "SELECT "+feedColumns+" FROM feeds")
		if err != nil {
			return fmt.Errorf("sync declared feeds: %w", err)
		}
		ptrs := make([]*store.Feed, len(existing))
		byURL := make(map[string]*store.Feed, len(existing))
		for i := range existing {
			ptrs[i] = &existing[i]
			byURL[existing[i].URL] = &existing[i]
		}
		if err := loadTags(ctx, tx, ptrs); err != nil {
			return err
		}
		now := time.Now()
		wanted := make(map[string]bool, len(decl))
		for _, d := range decl {
			if err := checkURL(d.URL); err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			if wanted[d.URL] {
				continue
			}
			wanted[d.URL] = true
			title := declaredTitle(d)
			cur, ok := byURL[d.URL]
			if !ok {
				nf := store.Feed{URL: d.URL, UserTitle: title, Tags: d.Tags, Schedule: d.Schedule,
					Origin: store.OriginConfig, ConfigFile: d.ConfigFile, ConfigLine: d.ConfigLine}
				if _, err := insertFeed(ctx, tx, nf, now); err != nil {
					return fmt.Errorf("sync declared feeds: %w", err)
				}
				res.Added = append(res.Added, d.URL)
				continue
			}
			changed := cur.Origin != store.OriginConfig || cur.UserTitle != title || cur.Schedule != d.Schedule ||
				cur.ConfigFile != d.ConfigFile || cur.ConfigLine != d.ConfigLine || !store.SameTags(cur.Tags, d.Tags)
			if !changed {
				continue
			}
			if cur.Origin != store.OriginConfig {
				// Keep what the user had, to give it back when the
				// block goes.
				if _, err := tx.ExecContext(ctx, `UPDATE feeds SET prior_user = 1, prior_title = ?,
					prior_schedule = ?, prior_tags = ? WHERE id = ?`,
					cur.UserTitle, cur.Schedule, jsonList(cur.Tags), cur.ID); err != nil {
					return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE feeds SET origin = 'config', user_title = ?, schedule = ?,
				config_file = ?, config_line = ? WHERE id = ?`,
				title, d.Schedule, d.ConfigFile, d.ConfigLine, cur.ID); err != nil {
				return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
			}
			if err := setTags(ctx, tx, cur.ID, d.Tags); err != nil {
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
		for _, f := range existing {
			// A feed declared by a file this sync does not speak for
			// stays: another config file may still declare it.
			if f.Origin != store.OriginConfig || wanted[f.URL] || !mine[f.ConfigFile] {
				continue
			}
			released, err := giveBack(ctx, tx, f)
			if err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			if released {
				res.Released = append(res.Released, f.URL)
				continue
			}
			if err := countItems(ctx, tx, []*store.Feed{&f}); err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			if err := deleteFeed(ctx, tx, f); err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			res.Removed = append(res.Removed, f.URL)
			if res.RemovedItems == nil {
				res.RemovedItems = make(map[string]int)
			}
			res.RemovedItems[f.URL] = f.Items
		}
		return nil
	})
	return res, err
}

// giveBack makes a config feed that took over a user's feed the user's
// again, with the user's own title, schedule and tags, its items untouched.
// It reports false, changing nothing, for a feed that was never the user's.
func giveBack(ctx context.Context, tx *sql.Tx, f store.Feed) (bool, error) {
	var (
		prior                  bool
		title, schedule, jtags string
	)
	err := tx.QueryRowContext(ctx, "SELECT prior_user, prior_title, prior_schedule, prior_tags FROM feeds WHERE id = ?",
		f.ID).Scan(&prior, &title, &schedule, &jtags)
	if err != nil {
		return false, fmt.Errorf("release feed %s: %w", f.URL, err)
	}
	if !prior {
		return false, nil
	}
	var tags []string
	if err := json.Unmarshal([]byte(jtags), &tags); err != nil {
		return false, fmt.Errorf("release feed %s: read the user's tags: %w", f.URL, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE feeds SET origin = 'user', user_title = ?, schedule = ?,
		config_file = '', config_line = 0, prior_user = 0, prior_title = '', prior_schedule = '', prior_tags = '[]'
		WHERE id = ?`, title, schedule, f.ID); err != nil {
		return false, fmt.Errorf("release feed %s: %w", f.URL, err)
	}
	if err := setTags(ctx, tx, f.ID, tags); err != nil {
		return false, fmt.Errorf("release feed %s: %w", f.URL, err)
	}
	return true, nil
}

// ImportFeeds adds user feeds in one transaction: all or nothing. Feeds
// already subscribed, and URLs repeated in the input, are listed in Skipped.
func (db *DB) ImportFeeds(ctx context.Context, feeds []store.Feed) (store.ImportResult, error) {
	var res store.ImportResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res = store.ImportResult{}
		now := time.Now()
		seen := make(map[string]bool, len(feeds))
		for _, f := range feeds {
			if err := checkURL(f.URL); err != nil {
				return fmt.Errorf("import feeds: %w", err)
			}
			if seen[f.URL] {
				res.Skipped = append(res.Skipped, f.URL)
				continue
			}
			seen[f.URL] = true
			exists, err := subscribed(ctx, tx, f.URL)
			if err != nil {
				return fmt.Errorf("import feed %s: %w", f.URL, err)
			}
			if exists {
				res.Skipped = append(res.Skipped, f.URL)
				continue
			}
			f.Origin = store.OriginUser
			f.ConfigFile, f.ConfigLine = "", 0
			if _, err := insertFeed(ctx, tx, f, now); err != nil {
				return fmt.Errorf("import feeds: %w", err)
			}
			res.Added = append(res.Added, f.URL)
		}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}
