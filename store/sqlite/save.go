package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"tidings/store"
)

// keyColumn is the items (and tombstones) column holding the key of each
// identity rule.
func keyColumn(id store.Identity) string {
	switch id {
	case store.IdentityGUID:
		return "guid"
	case store.IdentityLink:
		return "url"
	}
	return "content_hash"
}

// savedItem is the part of a stored item SaveFetch compares.
type savedItem struct {
	id                                           int64
	guid, url, title, author, content, cats, enc string
	published, updated                           int64
}

// SaveFetch writes one fetch of a feed in one transaction: its state,
// metadata and items, and releases the claim. A failure leaves nothing.
//
// Items are keyed per store.ChooseIdentity from the feed's stored rule (or
// the state's, if further down), and matched against stored items by that
// rule's column, so a feed moving down the rules does not duplicate what
// it already has. A known item whose content changed is updated (read and
// starred kept); an unchanged one is left alone; an item matching a
// tombstone is skipped. New items without Published, or with one after
// r.Now, get r.Now; a known item keeps its stored Published unless the
// fetch gives one before r.Now.
//
// With MoveTo a user feed takes it as its URL, unless another feed has it
// already (then the URL and RedirectURL stay, and LastError is
// store.MoveConflict); a config feed fetches from it and keeps its declared
// URL. A move ends RedirectURL and RedirectCount.
func (db *DB) SaveFetch(ctx context.Context, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	res, errs, err := db.SaveFetches(ctx, []store.FeedFetch{{FeedID: feedID, Result: r}})
	if err != nil {
		return store.SaveResult{}, err
	}
	if errs[0] != nil {
		return store.SaveResult{}, errs[0]
	}
	return res[0], nil
}

// SaveFetches saves a batch of fetches in one transaction, each as
// SaveFetch does. One commit for many fetches is the point: each commit
// flushes a new FTS5 segment (and may merge segments) and writes the WAL,
// which costs about as much as the inserts themselves.
//
// The fetches are not kept apart by savepoints: FTS5 flushes its pending
// index to a new segment at every SAVEPOINT, which would give back most of
// what the batch saves. Instead, when a fetch fails on its own the whole
// transaction rolls back and the batch is saved again without it; it fails
// against the same state as the first time (the fetches before it, saved
// again), so the result is what saving one by one would give. A failure is
// rare (an unknown feed, a full disk): a batch of n takes at most n+1
// transactions. A failure of the transaction itself (or ctx ending) saves
// nothing and is the returned error.
func (db *DB) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	fetches := make([]store.FetchResult, len(batch))
	now := time.Now()
	for i, f := range batch {
		fetches[i] = f.Result
		// Fixed once, so a batch saved again saves the same thing.
		if fetches[i].Now.IsZero() {
			fetches[i].Now = now
		}
	}
	errs := make([]error, len(batch))
	for {
		results := make([]store.SaveResult, len(batch))
		if len(batch) > 0 && !slices.ContainsFunc(errs, func(err error) bool { return err == nil }) {
			return results, errs, nil // every fetch failed: nothing to commit
		}
		err := db.tx(ctx, func(tx *sql.Tx) error {
			for i, f := range batch {
				if errs[i] != nil {
					continue
				}
				res, err := db.saveFetch(ctx, tx, f.FeedID, fetches[i])
				if err != nil {
					if ctx.Err() != nil {
						// The caller gave up: nothing of the batch stays.
						return err
					}
					errs[i] = err
					return errFetchFailed
				}
				results[i] = res
			}
			return nil
		})
		if errors.Is(err, errFetchFailed) {
			continue // rolled back: again, without the fetch that failed
		}
		if err != nil {
			return nil, nil, err
		}
		return results, errs, nil
	}
}

// errFetchFailed rolls back a SaveFetches transaction in which one fetch
// failed, for the batch to be saved again without it.
var errFetchFailed = errors.New("a fetch of the batch failed")

func (db *DB) saveFetch(ctx context.Context, tx *sql.Tx, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	var (
		feedURL, fetchURL, origin string
		stored                    int
	)
	sel, err := db.txStmt(ctx, tx, selectFeedForSaveSQL)
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, err)
	}
	err = sel.QueryRowContext(ctx, feedID).Scan(&feedURL, &fetchURL, &origin, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, store.ErrNotFound)
	}
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, err)
	}

	// The rule only ever moves down: from the stored one, or from the
	// state's if the fetcher already moved further.
	current := max(store.Identity(stored), r.State.Identity)
	identity := store.ChooseIdentity(current, r.Items)
	res := store.SaveResult{Identity: identity}
	if err := db.saveItems(ctx, tx, feedID, feedURL, identity, r, &res); err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
	}

	st := r.State
	st.Identity = identity
	newURL, newFetchURL := feedURL, fetchURL
	if r.MoveTo != "" && r.MoveTo != feedURL {
		if origin == string(store.OriginConfig) {
			newFetchURL = r.MoveTo
			st.RedirectURL, st.RedirectCount = "", 0
		} else {
			var taken int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM feeds WHERE id <> ? AND (url = ? OR fetch_url = ?)",
				feedID, r.MoveTo, r.MoveTo).Scan(&taken); err != nil {
				return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
			}
			if taken > 0 {
				st.LastError = store.MoveConflict(r.MoveTo)
				st.RedirectURL = r.MoveTo
			} else {
				newURL, newFetchURL = r.MoveTo, ""
				st.RedirectURL, st.RedirectCount = "", 0
			}
		}
	} else if r.MoveTo == feedURL {
		newFetchURL = ""
	}
	upd, err := db.txStmt(ctx, tx, updateFeedSQL)
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save state of %s: %w", feedURL, err)
	}
	_, err = upd.ExecContext(ctx,
		newURL, newFetchURL, r.Title, r.Title, r.SiteURL, r.SiteURL, r.IconURL, r.IconURL,
		st.ETag, st.LastModified, toMillis(st.LastFetch), toMillis(st.LastSuccess), st.LastError, st.ErrorCount,
		toMillis(st.NextDue), toMillis(st.NotBefore), st.WaitReason, st.Gone, st.RedirectURL, st.RedirectCount,
		int(identity), feedID)
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save state of %s: %w", feedURL, err)
	}
	return res, nil
}

// updateFeedSQL writes a fetch's state and metadata and ends the claim.
const updateFeedSQL = `UPDATE feeds SET url = ?, fetch_url = ?,
		title = CASE WHEN ? <> '' THEN ? ELSE title END,
		site_url = CASE WHEN ? <> '' THEN ? ELSE site_url END,
		icon_url = CASE WHEN ? <> '' THEN ? ELSE icon_url END,
		etag = ?, last_modified = ?, last_fetch = ?, last_success = ?, last_error = ?, error_count = ?,
		next_due = ?, not_before = ?, wait_reason = ?, gone = ?, redirect_url = ?, redirect_count = ?,
		identity = ?, claimed_until = 0
		WHERE id = ?`

// The statements SaveFetch runs per item.
const (
	insertItemSQL = `INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, author, content,
		categories, enclosures, published, updated, first_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateItemSQL = `UPDATE items SET guid = ?, url = ?, content_hash = ?, title = ?, author = ?, content = ?,
		categories = ?, enclosures = ?, published = ?, updated = ? WHERE id = ?`
	ftsDeleteSQL = `DELETE FROM items_fts WHERE rowid = ?`
	ftsInsertSQL = `INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)`
)

func findItemsSQL(col string) string {
	return `SELECT ` + col + `, id, guid, url, title, author, content, categories, enclosures, published, updated
		FROM items WHERE feed_id = ? AND ` + col + ` IN (SELECT value FROM json_each(?)) ORDER BY id`
}

func tombstonedSQL(col string) string {
	return `SELECT ` + col + ` FROM tombstones WHERE feed_id = ? AND ` + col + ` IN (SELECT value FROM json_each(?))`
}

const selectFeedForSaveSQL = "SELECT url, fetch_url, origin, identity FROM feeds WHERE id = ?"

// hotStatements are the statements Open prepares once: those SaveFetch
// and ClaimFeeds run on every call.
func hotStatements() []string {
	q := []string{insertItemSQL, updateItemSQL, ftsDeleteSQL, ftsInsertSQL, selectFeedForSaveSQL, updateFeedSQL}
	for _, id := range []store.Identity{store.IdentityGUID, store.IdentityLink, store.IdentityHash} {
		q = append(q, findItemsSQL(keyColumn(id)), tombstonedSQL(keyColumn(id)))
	}
	for _, mode := range []claimMode{claimDue, claimAll, claimURLs} {
		q = append(q, claimSQL(mode))
	}
	return append(q, loadTagsSQL, releaseSQL)
}

// findItems returns the stored items of a feed whose key column holds one
// of keys, in one query; of several rows with one key (possible after a
// feed moved to a rule that merges keys) the oldest wins.
func (db *DB) findItems(ctx context.Context, tx *sql.Tx, col string, feedID int64, keys []string) (map[string]savedItem, error) {
	st, err := db.txStmt(ctx, tx, findItemsSQL(col))
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, feedID, jsonList(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[string]savedItem)
	for rows.Next() {
		var key string
		var old savedItem
		if err := rows.Scan(&key, &old.id, &old.guid, &old.url, &old.title, &old.author, &old.content,
			&old.cats, &old.enc, &old.published, &old.updated); err != nil {
			return nil, err
		}
		if _, dup := found[key]; !dup {
			found[key] = old
		}
	}
	return found, rows.Err()
}

// tombstoned returns which of keys were pruned from the feed.
func (db *DB) tombstoned(ctx context.Context, tx *sql.Tx, col string, feedID int64, keys []string) (map[string]bool, error) {
	dead := make(map[string]bool)
	if len(keys) == 0 {
		return dead, nil
	}
	st, err := db.txStmt(ctx, tx, tombstonedSQL(col))
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, feedID, jsonList(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, err
		}
		dead[key] = true
	}
	return dead, rows.Err()
}

func (db *DB) saveItems(ctx context.Context, tx *sql.Tx, feedID int64, feedURL string, identity store.Identity,
	r store.FetchResult, res *store.SaveResult) error {
	if len(r.Items) == 0 {
		return nil
	}
	col := keyColumn(identity)
	// Under the hash rule equal keys are the same item (ChooseIdentity);
	// only the first one of a fetch counts.
	batch := make([]store.Item, 0, len(r.Items))
	keys := make([]string, 0, len(r.Items))
	seen := make(map[string]bool, len(r.Items))
	for _, it := range r.Items {
		key := store.Key(identity, it)
		if seen[key] {
			continue
		}
		seen[key] = true
		batch = append(batch, it)
		keys = append(keys, key)
	}
	found, err := db.findItems(ctx, tx, col, feedID, keys)
	if err != nil {
		return err
	}
	var missing []string
	for _, k := range keys {
		if _, ok := found[k]; !ok {
			missing = append(missing, k)
		}
	}
	dead, err := db.tombstoned(ctx, tx, col, feedID, missing)
	if err != nil {
		return err
	}

	var insert, update, ftsDelete, ftsInsert *sql.Stmt
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{{&insert, insertItemSQL}, {&update, updateItemSQL}, {&ftsDelete, ftsDeleteSQL}, {&ftsInsert, ftsInsertSQL}} {
		if *p.st, err = db.txStmt(ctx, tx, p.sql); err != nil {
			return err
		}
	}
	now := toMillis(r.Now)
	for i, it := range batch {
		// A long batch stops as soon as the caller gives up.
		if err := ctx.Err(); err != nil {
			return err
		}
		key := keys[i]
		if dead[key] {
			continue // pruned before: never new again
		}
		cats, err := encodeList(it.Categories)
		if err != nil {
			return err
		}
		enc, err := encodeList(it.Enclosures)
		if err != nil {
			return err
		}
		published := toMillis(it.Published)
		old, ok := found[key]
		if !ok {
			// No date: first seen. A date in the future: clamped to now
			// (DESIGN.md), so it cannot pin the item to the top.
			if published == 0 || published > now {
				published = now
			}
			r, err := insert.ExecContext(ctx, feedID, feedURL, it.GUID, it.URL, store.ContentHash(it), it.Title,
				it.Author, it.Content, cats, enc, published, toMillis(it.Updated), now)
			if err != nil {
				return err
			}
			id, err := r.LastInsertId()
			if err != nil {
				return err
			}
			if _, err := ftsInsert.ExecContext(ctx, id, it.Title, htmlText(it.Content)); err != nil {
				return err
			}
			res.New++
			continue
		}
		if published == 0 || published >= now {
			// Missing, or at or after the fetch (a future date, or one a
			// normaliser clamped to the fetch time): keep the stored
			// date, so a refetch is not an update.
			published = old.published
		}
		updated := toMillis(it.Updated)
		// The GUID is not compared: under the guid rule it is the key,
		// under the others a feed's unstable GUIDs are not news.
		if old.url == it.URL && old.title == it.Title && old.author == it.Author &&
			old.content == it.Content && old.cats == cats && old.enc == enc &&
			old.published == published && (updated == 0 || old.updated == updated) {
			continue
		}
		if updated == 0 {
			// The feed gives no updated time: the change is news now.
			updated = now
		}
		if _, err := update.ExecContext(ctx, it.GUID, it.URL, store.ContentHash(it), it.Title, it.Author, it.Content,
			cats, enc, published, updated, old.id); err != nil {
			return err
		}
		if old.title != it.Title || old.content != it.Content {
			if _, err := ftsDelete.ExecContext(ctx, old.id); err != nil {
				return err
			}
			if _, err := ftsInsert.ExecContext(ctx, old.id, it.Title, htmlText(it.Content)); err != nil {
				return err
			}
		}
		res.Updated++
	}
	return nil
}

// encodeList stores categories and enclosures as JSON; an empty list is ”.
func encodeList[T any](list []T) (string, error) {
	if len(list) == 0 {
		return "", nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func decodeList[T any](s string) ([]T, error) {
	if s == "" {
		return nil, nil
	}
	var list []T
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	return slices.Clip(list), nil
}
