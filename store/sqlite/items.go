package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tidings/store"
)

// itemColumns are what scanItem reads; the feed's URL and title come from
// the feed, or from the item once its feed is removed.
const itemColumns = `i.id, i.feed_id, coalesce(f.url, i.feed_url),
	coalesce(CASE WHEN f.user_title <> '' THEN f.user_title ELSE f.title END, i.feed_title),
	i.guid, i.url, i.title, i.author, i.content, i.categories, i.enclosures,
	i.published, i.updated, i.first_seen, i.read, i.starred`

const itemFrom = ` FROM items i LEFT JOIN feeds f ON f.id = i.feed_id`

func scanItem(s scanner, extra ...any) (store.Item, error) {
	var (
		it                            store.Item
		feedID                        sql.NullInt64
		cats, enc                     string
		published, updated, firstSeen int64
	)
	dest := []any{&it.ID, &feedID, &it.FeedURL, &it.FeedTitle, &it.GUID, &it.URL, &it.Title, &it.Author,
		&it.Content, &cats, &enc, &published, &updated, &firstSeen, &it.Read, &it.Starred}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return store.Item{}, err
	}
	it.FeedID = feedID.Int64
	it.Published = fromMillis(published)
	it.Updated = fromMillis(updated)
	it.FirstSeen = fromMillis(firstSeen)
	var err error
	if it.Categories, err = decodeList[string](cats); err != nil {
		return store.Item{}, fmt.Errorf("item %d: categories: %w", it.ID, err)
	}
	if it.Enclosures, err = decodeList[store.Enclosure](enc); err != nil {
		return store.Item{}, fmt.Errorf("item %d: enclosures: %w", it.ID, err)
	}
	return it, nil
}

// itemTags fills Tags of items from their feeds' tags.
func itemTags(ctx context.Context, q queryer, items []store.Item) error {
	var feeds []*store.Feed
	byFeed := make(map[int64]*store.Feed)
	for _, it := range items {
		if it.FeedID != 0 && byFeed[it.FeedID] == nil {
			f := &store.Feed{ID: it.FeedID}
			byFeed[it.FeedID] = f
			feeds = append(feeds, f)
		}
	}
	if err := loadTags(ctx, q, feeds); err != nil {
		return err
	}
	for i := range items {
		items[i].Tags = []string{}
		if f := byFeed[items[i].FeedID]; f != nil {
			items[i].Tags = f.Tags
		}
	}
	return nil
}

// filters returns the WHERE conditions on items (alias i) for q's filters,
// not its search or cursor.
func filters(q store.Query) ([]string, []any) {
	var where []string
	var args []any
	if q.FeedID != 0 {
		where = append(where, "i.feed_id = ?")
		args = append(args, q.FeedID)
	}
	if q.FeedURL != "" {
		where = append(where, "i.feed_id IN (SELECT id FROM feeds WHERE url = ? OR (fetch_url = ? AND fetch_url <> ''))")
		args = append(args, q.FeedURL, q.FeedURL)
	}
	if q.Tag != "" {
		where = append(where, "i.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)")
		args = append(args, store.NormalizeTag(q.Tag))
	}
	if q.Unread {
		where = append(where, "i.read = 0")
	}
	if q.Starred {
		where = append(where, "i.starred = 1")
	}
	if !q.Since.IsZero() {
		where = append(where, "i.published >= ?")
		args = append(args, toMillis(q.Since))
	}
	return where, args
}

// cursor is the position after the last item of a page: by date, or by
// search rank.
type cursor struct {
	search    bool
	published int64
	rank      float64
	id        int64
}

func (c cursor) String() string {
	var s string
	if c.search {
		s = "r:" + strconv.FormatFloat(c.rank, 'g', -1, 64) + ":" + strconv.FormatInt(c.id, 10)
	} else {
		s = "d:" + strconv.FormatInt(c.published, 10) + ":" + strconv.FormatInt(c.id, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

var errCursor = errors.New("invalid cursor; start again without one")

func parseCursor(s string, search bool) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errCursor
	}
	kind, rest, _ := strings.Cut(string(b), ":")
	pos, idText, ok := strings.Cut(rest, ":")
	if !ok || (kind == "r") != search || (kind != "r" && kind != "d") {
		return cursor{}, errCursor
	}
	c := cursor{search: search}
	if c.id, err = strconv.ParseInt(idText, 10, 64); err != nil {
		return cursor{}, errCursor
	}
	if search {
		c.rank, err = strconv.ParseFloat(pos, 64)
	} else {
		c.published, err = strconv.ParseInt(pos, 10, 64)
	}
	if err != nil {
		return cursor{}, errCursor
	}
	return c, nil
}

// Title matches weigh more than body matches in the ranking.
const bm25Weights = "10.0, 1.0"

// Items returns a page of items matching q and the cursor of the next page
// ("" at the end): newest first (published, then ID), or by relevance when
// q.Search is set. A search with nothing searchable in it matches nothing.
// An unknown FeedURL matches nothing. A cursor from another kind of query
// is an error.
func (db *DB) Items(ctx context.Context, q store.Query) ([]store.Item, string, error) {
	where, args := filters(q)
	search := q.Search != ""
	var (
		c   cursor
		err error
	)
	if q.Cursor != "" {
		if c, err = parseCursor(q.Cursor, search); err != nil {
			return nil, "", fmt.Errorf("list items: %w", err)
		}
	}
	var query string
	if search {
		match, literals, err := ftsQuery(q.Search)
		if err != nil {
			return nil, "", fmt.Errorf("search: %w", err)
		}
		if match == "" {
			return []store.Item{}, "", nil
		}
		if cond, largs := literalFilter(literals); cond != "" {
			where, args = append(where, cond), append(args, largs...)
		}
		if q.Cursor != "" {
			where = append(where, "(s.rank, i.id) > (?, ?)")
			args = append(args, c.rank, c.id)
		}
		// MATERIALIZED keeps bm25 inside the full-text query, where it
		// is defined, whatever the planner does with the filters.
		query = "WITH s AS MATERIALIZED (" + ftsRanked + ") SELECT " + itemColumns + ", s.rank" +
			itemFrom + " JOIN s ON s.id = i.id" + whereClause(where) + " ORDER BY s.rank, i.id"
		args = append([]any{match}, args...)
	} else {
		if q.Cursor != "" {
			where = append(where, "(i.published, i.id) < (?, ?)")
			args = append(args, c.published, c.id)
		}
		query = "SELECT " + itemColumns + ", 0.0" + itemFrom + whereClause(where) + " ORDER BY i.published DESC, i.id DESC"
	}
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit+1) // one more tells whether a next page exists
	}

	items := []store.Item{}
	var next string
	err = db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var last cursor
		for rows.Next() {
			if q.Limit > 0 && len(items) == q.Limit {
				next = last.String()
				break
			}
			var rank float64
			it, err := scanItem(rows, &rank)
			if err != nil {
				return err
			}
			items = append(items, it)
			last = cursor{search: search, published: toMillis(it.Published), rank: rank, id: it.ID}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return itemTags(ctx, tx, items)
	})
	if err != nil {
		return nil, "", fmt.Errorf("list items: %w", err)
	}
	return items, next, nil
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// Item returns one item by ID, or an error wrapping store.ErrNotFound.
func (db *DB) Item(ctx context.Context, id int64) (store.Item, error) {
	var it store.Item
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		it, err = scanItem(tx.QueryRowContext(ctx, "SELECT "+itemColumns+itemFrom+" WHERE i.id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("item %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("item %d: %w", id, err)
		}
		items := []store.Item{it}
		if err := itemTags(ctx, tx, items); err != nil {
			return err
		}
		it = items[0]
		return nil
	})
	return it, err
}

// SetRead marks items read or unread; it returns how many of ids exist.
func (db *DB) SetRead(ctx context.Context, ids []int64, read bool) (int, error) {
	n, err := db.setFlag(ctx, "read", ids, read)
	if err != nil {
		return 0, fmt.Errorf("mark items read: %w", err)
	}
	return n, nil
}

// SetStarred stars or unstars items; it returns how many of ids exist.
func (db *DB) SetStarred(ctx context.Context, ids []int64, starred bool) (int, error) {
	n, err := db.setFlag(ctx, "starred", ids, starred)
	if err != nil {
		return 0, fmt.Errorf("star items: %w", err)
	}
	return n, nil
}

func (db *DB) setFlag(ctx context.Context, col string, ids []int64, on bool) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// SQLite counts every row the WHERE matched, changed or not:
		// exactly "how many exist".
		r, err := tx.ExecContext(ctx, "UPDATE items SET "+col+" = ? WHERE id IN (SELECT value FROM json_each(?))",
			on, jsonList(ids))
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return int(n), err
}

// MarkAllRead marks every unread item matching q read (Limit and Cursor
// ignored; Search applies) and returns how many changed.
func (db *DB) MarkAllRead(ctx context.Context, q store.Query) (int, error) {
	where, args := filters(q)
	where = append(where, "i.read = 0")
	if q.Search != "" {
		match, literals, err := ftsQuery(q.Search)
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		if match == "" {
			return 0, nil
		}
		where = append(where, "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
		args = append(args, match)
		if cond, largs := literalFilter(literals); cond != "" {
			where, args = append(where, cond), append(args, largs...)
		}
	}
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE items SET read = 1 WHERE id IN (SELECT i.id FROM items i"+
			whereClause(where)+")", args...)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", err)
	}
	return int(n), nil
}

// prunable selects the items Prune deletes.
const prunable = " FROM items WHERE read = 1 AND starred = 0 AND published < ?"

// Prune deletes read, unstarred items published before cutoff, leaving a
// tombstone (feed, guid, url, content hash) for each so they never come
// back as new. With dryRun it only counts. It returns the number of items.
func (db *DB) Prune(ctx context.Context, cutoff time.Time, dryRun bool) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if dryRun {
			return tx.QueryRowContext(ctx, "SELECT count(*)"+prunable, toMillis(cutoff)).Scan(&n)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tombstones (feed_id, guid, url, content_hash, pruned_at)
			SELECT feed_id, guid, url, content_hash, ?`+prunable+` AND feed_id IS NOT NULL`,
			toMillis(time.Now()), toMillis(cutoff)); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, "DELETE"+prunable, toMillis(cutoff))
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune items: %w", err)
	}
	return int(n), nil
}

// Optimize updates the query planner's statistics and merges the
// full-text index's segments.
func (db *DB) Optimize(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, "INSERT INTO items_fts (items_fts) VALUES ('optimize')"); err != nil {
		return fmt.Errorf("optimize full-text index: %w", db.diskFull(err))
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return fmt.Errorf("optimize database: %w", db.diskFull(err))
	}
	return nil
}
