package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
// what the batch saves. For the same reason the batch's full-text rows
// are written last (ftsBatch). Instead, when a fetch fails on its own the whole
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
			var index ftsBatch
			for i, f := range batch {
				if errs[i] != nil {
					continue
				}
				res, err := db.saveFetch(ctx, tx, &index, f.FeedID, fetches[i])
				if err != nil {
					if ctx.Err() != nil {
						// The caller gave up: nothing of the batch stays.
						return err
					}
					errs[i] = db.diskFull(err)
					return errFetchFailed
				}
				results[i] = res
			}
			return db.writeFTS(ctx, tx, &index)
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

// errItemIDs is the error of an insert whose rows SQLite did not number
// on from the largest id, which it does only once an id in items is the
// largest integer; no id tidings gives comes near it.
var errItemIDs = errors.New("an item in the database has the largest possible id (9223372036854775807), " +
	"from which SQLite numbers new items at random; tidings never gives such an id, so it was put there by hand: " +
	"delete that item (sqlite3 DATABASE 'DELETE FROM items WHERE id = 9223372036854775807') and fetch again")

func (db *DB) saveFetch(ctx context.Context, tx *sql.Tx, index *ftsBatch, feedID int64, r store.FetchResult) (store.SaveResult, error) {
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
	if err := db.saveItems(ctx, tx, index, feedID, feedURL, identity, r, &res); err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
	}

	st := r.State
	st.Identity = identity
	newURL, newFetchURL := feedURL, fetchURL
	var movedFrom any // NULL: unchanged
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
				newURL, newFetchURL, movedFrom = r.MoveTo, "", feedURL
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
		newURL, newFetchURL, movedFrom, r.Title, r.Title, r.SiteURL, r.SiteURL, r.IconURL, r.IconURL,
		st.ETag, st.LastModified, toMillis(st.LastFetch), toMillis(st.LastSuccess), st.LastError, st.ErrorCount,
		toMillis(st.NextDue), toMillis(st.NotBefore), st.WaitReason, st.Gone, st.RedirectURL, st.RedirectCount,
		int(identity), st.BodyHash, st.FeedDelay.Milliseconds(), st.UnreadableDates, res.New, feedID)
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save state of %s: %w", feedURL, err)
	}
	return res, nil
}

// updateFeedSQL writes a fetch's state and metadata and ends the claim.
const updateFeedSQL = `UPDATE feeds SET url = ?, fetch_url = ?, moved_from = coalesce(?, moved_from),
		title = CASE WHEN ? <> '' THEN ? ELSE title END,
		site_url = CASE WHEN ? <> '' THEN ? ELSE site_url END,
		icon_url = CASE WHEN ? <> '' THEN ? ELSE icon_url END,
		etag = ?, last_modified = ?, last_fetch = ?, last_success = ?, last_error = ?, error_count = ?,
		next_due = ?, not_before = ?, wait_reason = ?, gone = ?, redirect_url = ?, redirect_count = ?,
		identity = ?, body_hash = ?, feed_delay = ?, unreadable_dates = ?, item_count = item_count + ?, claimed_until = 0
		WHERE id = ?`

// The statements SaveFetch runs per changed item.
const (
	updateItemSQL = `UPDATE items SET guid = ?, url = ?, content_hash = ?, title = ?, author = ?, content = ?,
		categories = ?, enclosures = ?, published = ?, updated = ? WHERE id = ?`
	ftsDeleteSQL = `DELETE FROM items_fts WHERE rowid = ?`
	ftsInsertSQL = `INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)`
	maxItemIDSQL = `SELECT coalesce(max(id), 0) FROM items`
)

// New items are inserted many rows to a statement, which saves each row
// a run through database/sql and the driver and SQLite's opening of the
// table's and every index's cursors. Statements of insertChunks[i] rows
// are prepared once; a fetch's new items take the largest chunks that fit
// (20 items: 16 + 4).
var insertChunks = [...]int{32, 16, 8, 4, 2, 1}

// itemColumnCount is the number of columns insertItemsSQL binds per row.
const itemColumnCount = 13

// insertItemsSQL inserts n items.
//
// It is written so that SQLite keeps no statement journal for it (a copy
// of each page it changes, in a temporary file, to undo this statement
// alone), which was about half of what an insert cost: SQLite numbers the
// rows itself, no constraint can stop it halfway (OR ROLLBACK ends the
// whole transaction instead, and SaveFetches saves the batch again without
// the failed fetch), and the foreign key is checked at commit (0004).
//
// The full-text rows need the ids. SQLite gives a new row the largest id
// in the table plus one (https://sqlite.org/autoinc.html), so the rows of
// the statement are numbered on from the largest id before it; insertItems
// checks that the last one is where it should be.
func insertItemsSQL(n int) string {
	return `INSERT OR ROLLBACK INTO items (feed_id, feed_url, guid, url, content_hash, title, author, content,
		categories, enclosures, published, updated, first_seen) VALUES ` +
		strings.Repeat(", ("+strings.Repeat("?, ", itemColumnCount-1)+"?)", n)[len(", "):]
}

func findItemsSQL(col string) string {
	return `SELECT ` + col + `, id, guid, url, title, author, content, categories, enclosures, published, updated
		FROM items WHERE feed_id = ? AND ` + col + ` IN (SELECT value FROM json_each(?)) ORDER BY id`
}

func tombstonedSQL(col string) string {
	return `SELECT ` + col + ` FROM tombstones WHERE feed_id = ? AND ` + col + ` IN (SELECT value FROM json_each(?))`
}

// selectFeedForSaveSQL reads what saving a fetch needs of the feed: its
// URLs, rule, and whether a config declares it (origin of a subscription).
const selectFeedForSaveSQL = `SELECT url, fetch_url,
	CASE WHEN EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = feeds.id AND s.origin = 'config')
		THEN 'config' ELSE 'user' END, identity FROM feeds WHERE id = ?`

// hotStatements are the statements Open prepares once: those SaveFetch
// and ClaimFeeds run on every call.
func hotStatements() []string {
	q := []string{updateItemSQL, ftsDeleteSQL, ftsInsertSQL, maxItemIDSQL, selectFeedForSaveSQL, updateFeedSQL}
	for _, n := range insertChunks {
		q = append(q, insertItemsSQL(n))
	}
	for _, id := range []store.Identity{store.IdentityGUID, store.IdentityLink, store.IdentityHash} {
		q = append(q, findItemsSQL(keyColumn(id)), tombstonedSQL(keyColumn(id)))
	}
	for _, mode := range []claimMode{claimDue, claimAll, claimURLs, claimIDs, claimUser} {
		q = append(q, claimSQL(mode))
	}
	return append(q, loadSchedulesSQL, releaseSQL)
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

func (db *DB) saveItems(ctx context.Context, tx *sql.Tx, index *ftsBatch, feedID int64, feedURL string, identity store.Identity,
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

	update, err := db.txStmt(ctx, tx, updateItemSQL)
	if err != nil {
		return err
	}
	now := toMillis(r.Now)
	var fresh []newItem
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
			fresh = append(fresh, newItem{it: it, hash: contentHash(identity, key, it), cats: cats, enc: enc, published: published})
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
		if _, err := update.ExecContext(ctx, it.GUID, it.URL, contentHash(identity, key, it), it.Title, it.Author, it.Content,
			cats, enc, published, updated, old.id); err != nil {
			return err
		}
		if old.title != it.Title || old.content != it.Content {
			index.add(old.id, it.Title, it.Content, true)
		}
		res.Updated++
	}
	if err := db.insertItems(ctx, tx, index, feedID, feedURL, now, fresh); err != nil {
		return err
	}
	res.New += len(fresh)
	return nil
}

// newItem is an item saveItems inserts, with its content hash, its lists
// encoded and its date settled.
type newItem struct {
	it              store.Item
	hash, cats, enc string
	published       int64
}

// insertItems inserts new items of a feed, in chunks of many rows a
// statement, and queues their full-text rows in index. The ids are the
// ones SQLite would give one insert at a time: one more than the largest,
// in order (the write transaction holds the database, so nothing else
// takes them).
func (db *DB) insertItems(ctx context.Context, tx *sql.Tx, index *ftsBatch, feedID int64, feedURL string, now int64, fresh []newItem) error {
	if len(fresh) == 0 {
		return nil
	}
	maxID, err := db.txStmt(ctx, tx, maxItemIDSQL)
	if err != nil {
		return err
	}
	var id int64
	if err := maxID.QueryRowContext(ctx).Scan(&id); err != nil {
		return err
	}
	args := make([]any, 0, min(len(fresh), insertChunks[0])*itemColumnCount)
	for len(fresh) > 0 {
		n := insertChunks[len(insertChunks)-1]
		for _, c := range insertChunks {
			if c <= len(fresh) {
				n = c
				break
			}
		}
		args = args[:0]
		for _, f := range fresh[:n] {
			it := f.it
			args = append(args, feedID, feedURL, it.GUID, it.URL, f.hash, it.Title,
				it.Author, it.Content, f.cats, f.enc, f.published, toMillis(it.Updated), now)
		}
		st, err := db.txStmt(ctx, tx, insertItemsSQL(n))
		if err != nil {
			return err
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if last != id+int64(n) {
			return fmt.Errorf("new items numbered up to %d, not %d: %w", last, id+int64(n), errItemIDs)
		}
		for i, f := range fresh[:n] {
			index.add(id+1+int64(i), f.it.Title, f.it.Content, false)
		}
		fresh = fresh[n:]
		id += int64(n)
	}
	return nil
}

// contentHash is store.ContentHash(it), which under the hash rule is the
// item's key already.
func contentHash(identity store.Identity, key string, it store.Item) string {
	if identity == store.IdentityHash {
		return key
	}
	return store.ContentHash(it)
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

// ftsBatch is what a write transaction changes in the full-text index,
// written at its end by writeFTS.
//
// At the end, and one row a statement, because once a transaction has
// written to the index, FTS5 flushes its pending terms to a new segment
// whenever a statement opens a statement journal (as the INSERT into items
// did before migration 0004, and as any statement of many rows that a
// failed check could stop halfway still does). Indexing at the end keeps
// one segment per transaction, whatever the statements before it are;
// indexing between them could write a small segment per fetch, all to be
// merged later.
type ftsBatch struct {
	ops []ftsOp
}

// ftsOp indexes an item's title and content under id, removing what was
// indexed under it first if replace is set.
type ftsOp struct {
	id             int64
	title, content string
	replace        bool
}

func (b *ftsBatch) add(id int64, title, content string, replace bool) {
	b.ops = append(b.ops, ftsOp{id: id, title: title, content: content, replace: replace})
}

// writeFTS writes the batch into the full-text index.
func (db *DB) writeFTS(ctx context.Context, tx *sql.Tx, b *ftsBatch) error {
	if len(b.ops) == 0 {
		return nil
	}
	ins, err := db.txStmt(ctx, tx, ftsInsertSQL)
	if err != nil {
		return fmt.Errorf("index items: %w", err)
	}
	del, err := db.txStmt(ctx, tx, ftsDeleteSQL)
	if err != nil {
		return fmt.Errorf("index items: %w", err)
	}
	for _, op := range b.ops {
		if op.replace {
			if _, err := del.ExecContext(ctx, op.id); err != nil {
				return fmt.Errorf("index item %d: %w", op.id, err)
			}
		}
		if _, err := ins.ExecContext(ctx, op.id, op.title, htmlText(op.content)); err != nil {
			return fmt.Errorf("index item %d: %w", op.id, err)
		}
	}
	return nil
}
