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

// feedColumns are the feeds columns (table alias f) scanFeed reads, in order.
const feedColumns = `f.id, f.url, f.fetch_url, f.title, f.user_title, f.site_url, f.icon_url, f.tags,
	f.schedule, f.origin, f.config_file, f.config_line, f.etag, f.last_modified, f.last_fetch,
	f.last_success, f.last_error, f.error_count, f.next_due, f.not_before, f.wait_reason, f.gone,
	f.redirect_url, f.redirect_count, f.identity, f.body_hash, f.feed_delay, f.created_at`

func scanFeed(row pgx.Row) (store.Feed, error) {
	var (
		f                                                     store.Feed
		origin                                                string
		lastFetch, lastSuccess, nextDue, notBefore, createdAt pgtype.Timestamptz
		identity                                              int16
		feedDelay                                             int64
	)
	err := row.Scan(&f.ID, &f.URL, &f.FetchURL, &f.Title, &f.UserTitle, &f.SiteURL, &f.IconURL, &f.Tags,
		&f.Schedule, &origin, &f.ConfigFile, &f.ConfigLine, &f.State.ETag, &f.State.LastModified, &lastFetch,
		&lastSuccess, &f.State.LastError, &f.State.ErrorCount, &nextDue, &notBefore, &f.State.WaitReason,
		&f.State.Gone, &f.State.RedirectURL, &f.State.RedirectCount, &identity, &f.State.BodyHash, &feedDelay, &createdAt)
	if err != nil {
		return store.Feed{}, err
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	f.Origin = store.Origin(origin)
	f.State.LastFetch = fromTS(lastFetch)
	f.State.LastSuccess = fromTS(lastSuccess)
	f.State.NextDue = fromTS(nextDue)
	f.State.NotBefore = fromTS(notBefore)
	f.State.Identity = store.Identity(identity)
	f.State.FeedDelay = time.Duration(feedDelay) * time.Millisecond
	f.CreatedAt = fromTS(createdAt)
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
// URL it is fetched from.
const byURL = "(f.url = $1 OR (f.fetch_url = $1 AND f.fetch_url <> ''))"

// findFeed returns the feed whose URL or FetchURL is u, without counts;
// lock takes its row lock for the rest of the transaction.
func findFeed(ctx context.Context, q querier, u string, lock bool) (store.Feed, error) {
	query := "SELECT " + feedColumns + " FROM feeds f WHERE " + byURL + " ORDER BY f.url = $1 DESC LIMIT 1"
	if lock {
		query += " FOR UPDATE"
	}
	f, err := scanFeed(q.QueryRow(ctx, query, text(u)))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Feed{}, fmt.Errorf("feed %s: %w", u, store.ErrNotFound)
	}
	if err != nil {
		return store.Feed{}, fmt.Errorf("feed %s: %w", u, err)
	}
	return f, nil
}

// countItems fills Items and Unread of the given feeds.
func countItems(ctx context.Context, q querier, feeds []*store.Feed) error {
	if len(feeds) == 0 {
		return nil
	}
	ids := make([]int64, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
	}
	query := `SELECT feed_id, count(*), count(*) FILTER (WHERE NOT read) FROM items
		WHERE feed_id = ANY($1) GROUP BY feed_id`
	args := []any{ids}
	if len(feeds) > 50 {
		// One pass over the (feed_id, read) index beats a lookup per
		// feed when many feeds are asked for.
		query = `SELECT feed_id, count(*), count(*) FILTER (WHERE NOT read) FROM items
			WHERE feed_id IS NOT NULL GROUP BY feed_id`
		args = nil
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("count items: %w", err)
	}
	counts := make(map[int64][2]int)
	var (
		id        int64
		n, unread int
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &n, &unread}, func() error {
		counts[id] = [2]int{n, unread}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count items: %w", err)
	}
	for _, f := range feeds {
		c := counts[f.ID]
		f.Items, f.Unread = c[0], c[1]
	}
	return nil
}

// insertFeed is the statement that stores a new feed and returns it. A new
// feed without NextDue is due at once.
const insertFeed = `INSERT INTO feeds AS f (url, fetch_url, title, user_title, site_url, icon_url, tags,
	schedule, origin, config_file, config_line, etag, last_modified, last_fetch, last_success,
	last_error, error_count, next_due, not_before, wait_reason, gone, redirect_url, redirect_count,
	identity, body_hash, feed_delay, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
	$21, $22, $23, $24, $25, $26, $27)
	RETURNING ` + feedColumns

// insertArgs are insertFeed's arguments for f.
func insertArgs(f store.Feed, now time.Time) []any {
	if f.Origin == "" {
		f.Origin = store.OriginUser
	}
	if f.State.WaitReason == "" && f.State.LastFetch.IsZero() {
		f.State.WaitReason = store.WaitNew
	}
	s := f.State
	return []any{text(f.URL), text(f.FetchURL), text(f.Title), text(f.UserTitle), text(f.SiteURL),
		text(f.IconURL), cleanTags(f.Tags), text(f.Schedule), string(f.Origin), text(f.ConfigFile), f.ConfigLine,
		text(s.ETag), text(s.LastModified), ts(s.LastFetch), ts(s.LastSuccess), text(s.LastError), s.ErrorCount,
		ts(s.NextDue), ts(s.NotBefore), s.WaitReason, s.Gone, text(s.RedirectURL), s.RedirectCount,
		int16(s.Identity), text(s.BodyHash), s.FeedDelay.Milliseconds(), ts(now)}
}

// reattach gives a new feed (by URL, $1) the starred items kept from an
// earlier subscription to that URL, so fetching them once more updates them
// instead of storing them twice.
const reattach = `UPDATE items SET feed_id = (SELECT id FROM feeds WHERE url = $1)
	WHERE feed_id IS NULL AND feed_url = $1`

// subscribed reports whether a feed has u as its URL or FetchURL.
func subscribed(ctx context.Context, q querier, u string) (bool, error) {
	var found bool
	err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM feeds f WHERE "+byURL+")", text(u)).Scan(&found)
	return found, err
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		exists, err := subscribed(ctx, tx, f.URL)
		if err != nil {
			return fmt.Errorf("add feed %s: %w", f.URL, err)
		}
		if exists {
			return fmt.Errorf("add feed %s: %w", f.URL, store.ErrExists)
		}
		out, err = scanFeed(tx.QueryRow(ctx, insertFeed, insertArgs(f, time.Now())...))
		if uniqueViolation(err) {
			// Another process added it since the check.
			return fmt.Errorf("add feed %s: %w", f.URL, store.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("add feed %s: %w", f.URL, err)
		}
		if _, err := tx.Exec(ctx, reattach, out.URL); err != nil {
			return fmt.Errorf("add feed %s: take back its kept items: %w", f.URL, err)
		}
		return nil
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		f, err := findFeed(ctx, tx, u, true)
		if err != nil {
			return err
		}
		if err := declared(f); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		if e.Title != nil {
			f.UserTitle = text(strings.TrimSpace(*e.Title))
		}
		if e.Schedule != nil {
			f.Schedule = text(strings.TrimSpace(*e.Schedule))
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
			f.Tags = tags
		}
		out, err = scanFeed(tx.QueryRow(ctx, "UPDATE feeds f SET user_title = $2, schedule = $3, tags = $4 WHERE id = $1 RETURNING "+
			feedColumns, f.ID, f.UserTitle, f.Schedule, cleanTags(f.Tags)))
		if err != nil {
			return fmt.Errorf("edit feed %s: %w", u, err)
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
	return db.tx(ctx, func(tx pgx.Tx) error {
		f, err := findFeed(ctx, tx, u, true)
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

func deleteFeed(ctx context.Context, tx pgx.Tx, f store.Feed) error {
	// The feed's row lock first, as SaveFetch takes it: a save running now
	// finishes before the items are deleted (so none of its items outlive
	// the feed), and one starting later finds the feed gone.
	if _, err := tx.Exec(ctx, "SELECT 1 FROM feeds WHERE id = $1 FOR UPDATE", f.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", f.URL, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE items SET feed_url = $2, feed_title = $3 WHERE feed_id = $1 AND starred",
		f.ID, f.URL, feedTitle(f)); err != nil {
		return fmt.Errorf("remove feed %s: %w", f.URL, err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM items WHERE feed_id = $1 AND NOT starred", f.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", f.URL, err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM feeds WHERE id = $1", f.ID); err != nil {
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

// Feed returns the feed whose URL or FetchURL is u, with its counts, or an
// error wrapping store.ErrNotFound.
func (db *DB) Feed(ctx context.Context, u string) (store.Feed, error) {
	var f store.Feed
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		f, err = findFeed(ctx, tx, u, false)
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
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		// COLLATE "C": byte order, the same whatever the database's locale.
		feeds, err = queryFeeds(ctx, tx, "SELECT "+feedColumns+` FROM feeds f ORDER BY f.url COLLATE "C"`)
		if err != nil {
			return err
		}
		if !counts {
			return nil
		}
		ptrs := make([]*store.Feed, len(feeds))
		for i := range feeds {
			ptrs[i] = &feeds[i]
		}
		return countItems(ctx, tx, ptrs)
	})
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return feeds, nil
}

// ConfigFiles returns the config files of the stored config feeds, each
// with its number of feeds.
func (db *DB) ConfigFiles(ctx context.Context) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, "SELECT config_file, count(*) FROM feeds WHERE origin = 'config' GROUP BY config_file")
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

// declaredTitle is the title a [[feed]] block gives: config code may put it
// in UserTitle or Title; either way it is stored as the user's title.
func declaredTitle(f store.Feed) string {
	if f.UserTitle != "" {
		return text(f.UserTitle)
	}
	return text(f.Title)
}

func sameTags(a, b []string) bool { return store.SameTags(cleanTags(a), cleanTags(b)) }

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
// Syncs from several processes run one after the other.
func (db *DB) SyncDeclared(ctx context.Context, owned []string, decl []store.Feed) (store.SyncResult, error) {
	var res store.SyncResult
	err := db.tx(ctx, func(tx pgx.Tx) error {
		res = store.SyncResult{}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", lockSync); err != nil {
			return fmt.Errorf("sync declared feeds: %w", err)
		}
		existing, err := queryFeeds(ctx, tx, "SELECT "+feedColumns+" FROM feeds f")
		if err != nil {
			return fmt.Errorf("sync declared feeds: %w", err)
		}
		byURL := make(map[string]*store.Feed, len(existing))
		for i := range existing {
			byURL[existing[i].URL] = &existing[i]
		}
		now := time.Now()
		wanted := make(map[string]bool, len(decl))
		for _, d := range decl {
			if err := checkURL(d.URL); err != nil {
				return fmt.Errorf("sync declared feeds: %w", err)
			}
			d.URL = text(d.URL)
			if wanted[d.URL] {
				continue
			}
			wanted[d.URL] = true
			title := declaredTitle(d)
			cur, ok := byURL[d.URL]
			if !ok {
				nf := store.Feed{URL: d.URL, UserTitle: title, Tags: d.Tags, Schedule: d.Schedule,
					Origin: store.OriginConfig, ConfigFile: d.ConfigFile, ConfigLine: d.ConfigLine}
				if _, err := tx.Exec(ctx, insertFeed, insertArgs(nf, now)...); err != nil {
					return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
				}
				if _, err := tx.Exec(ctx, reattach, d.URL); err != nil {
					return fmt.Errorf("sync declared feed %s: take back its kept items: %w", d.URL, err)
				}
				res.Added = append(res.Added, d.URL)
				continue
			}
			changed := cur.Origin != store.OriginConfig || cur.UserTitle != title || cur.Schedule != text(d.Schedule) ||
				cur.ConfigFile != text(d.ConfigFile) || cur.ConfigLine != d.ConfigLine || !sameTags(cur.Tags, d.Tags)
			if !changed {
				continue
			}
			if cur.Origin != store.OriginConfig {
				// Keep what the user had, to give it back when the
				// block goes.
				if _, err := tx.Exec(ctx, `UPDATE feeds SET prior_user = true, prior_title = user_title,
					prior_schedule = schedule, prior_tags = tags WHERE id = $1`, cur.ID); err != nil {
					return fmt.Errorf("sync declared feed %s: %w", d.URL, err)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE feeds SET origin = 'config', user_title = $2, schedule = $3,
				config_file = $4, config_line = $5, tags = $6 WHERE id = $1`,
				cur.ID, title, text(d.Schedule), text(d.ConfigFile), d.ConfigLine, cleanTags(d.Tags)); err != nil {
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
			mine[text(file)] = true
		}
		for _, f := range existing {
			// A feed declared by a file this sync does not speak for
			// stays: another config file may still declare it.
			if f.Origin != store.OriginConfig || wanted[f.URL] || !mine[f.ConfigFile] {
				continue
			}
			// A taken-over user feed goes back to the user, items and
			// all, with the user's own title, schedule and tags.
			tag, err := tx.Exec(ctx, `UPDATE feeds SET origin = 'user', user_title = prior_title,
				schedule = prior_schedule, tags = prior_tags, config_file = '', config_line = 0,
				prior_user = false, prior_title = '', prior_schedule = '', prior_tags = '{}'
				WHERE id = $1 AND prior_user`, f.ID)
			if err != nil {
				return fmt.Errorf("sync declared feeds: release feed %s: %w", f.URL, err)
			}
			if tag.RowsAffected() > 0 {
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

// ImportFeeds adds user feeds in one transaction: all or nothing. Feeds
// already subscribed, and URLs repeated in the input, are listed in Skipped.
func (db *DB) ImportFeeds(ctx context.Context, feeds []store.Feed) (store.ImportResult, error) {
	for _, f := range feeds {
		if err := checkURL(f.URL); err != nil {
			return store.ImportResult{}, fmt.Errorf("import feeds: %w", err)
		}
	}
	urls := make([]string, len(feeds))
	for i, f := range feeds {
		urls[i] = text(f.URL)
	}
	var res store.ImportResult
	err := db.tx(ctx, func(tx pgx.Tx) error {
		res = store.ImportResult{}
		rows, err := tx.Query(ctx, `SELECT url FROM feeds WHERE url = ANY($1)
			UNION SELECT fetch_url FROM feeds WHERE fetch_url = ANY($1)`, urls)
		if err != nil {
			return fmt.Errorf("import feeds: %w", err)
		}
		existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("import feeds: %w", err)
		}
		seen := make(map[string]bool, len(feeds)+len(existing))
		for _, u := range existing {
			seen[u] = true
		}
		// One round trip for the whole list.
		batch := &pgx.Batch{}
		now := time.Now()
		for i, f := range feeds {
			if seen[urls[i]] {
				res.Skipped = append(res.Skipped, f.URL)
				continue
			}
			seen[urls[i]] = true
			f.Origin = store.OriginUser
			f.ConfigFile, f.ConfigLine = "", 0
			batch.Queue(insertFeed, insertArgs(f, now)...)
			batch.Queue(reattach, urls[i])
			res.Added = append(res.Added, f.URL)
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			if uniqueViolation(err) {
				return fmt.Errorf("import feeds: another process added one of them meanwhile; import again: %w", store.ErrExists)
			}
			return fmt.Errorf("import feeds: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}
