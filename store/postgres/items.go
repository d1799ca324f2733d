package postgres

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

// itemColumns are what scanItem reads; the feed's URL, title and tags come
// from the feed, or from the item once its feed is removed.
const itemColumns = `i.id, i.feed_id, coalesce(f.url, i.feed_url),
	coalesce(CASE WHEN f.user_title <> '' THEN f.user_title ELSE f.title END, i.feed_title),
	i.guid, i.url, i.title, i.author, i.content, i.categories, i.enclosures,
	i.published, i.updated, i.first_seen, i.read, i.starred, coalesce(f.tags, '{}')`

const itemFrom = ` FROM items i LEFT JOIN feeds f ON f.id = i.feed_id`

func scanItem(row pgx.Row, extra ...any) (store.Item, error) {
	var (
		it                            store.Item
		feedID                        pgtype.Int8
		published, updated, firstSeen pgtype.Timestamptz
	)
	dest := []any{&it.ID, &feedID, &it.FeedURL, &it.FeedTitle, &it.GUID, &it.URL, &it.Title, &it.Author,
		&it.Content, &it.Categories, &it.Enclosures, &published, &updated, &firstSeen, &it.Read, &it.Starred, &it.Tags}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return store.Item{}, err
	}
	it.FeedID = feedID.Int64
	it.Published = fromTS(published)
	it.Updated = fromTS(updated)
	it.FirstSeen = fromTS(firstSeen)
	if len(it.Categories) == 0 {
		it.Categories = nil
	}
	if len(it.Enclosures) == 0 {
		it.Enclosures = nil
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	return it, nil
}

// filters returns the WHERE conditions on items (alias i) for q's filters,
// not its search or cursor, adding their arguments to p.
func filters(q store.Query, p *params) []string {
	var where []string
	if q.FeedID != 0 {
		where = append(where, "i.feed_id = "+p.add(q.FeedID))
	}
	if q.FeedURL != "" {
		u := p.add(text(q.FeedURL))
		where = append(where, "i.feed_id IN (SELECT id FROM feeds WHERE url = "+u+" OR (fetch_url = "+u+" AND fetch_url <> ''))")
	}
	if q.Tag != "" {
		where = append(where, "i.feed_id IN (SELECT id FROM feeds WHERE tags @> ARRAY["+p.add(text(store.NormalizeTag(q.Tag)))+"]::text[])")
	}
	if q.Unread {
		where = append(where, "NOT i.read")
	}
	if q.Starred {
		where = append(where, "i.starred")
	}
	if !q.Since.IsZero() {
		where = append(where, "i.published >= "+p.add(ts(q.Since)))
	}
	return where
}

// cursor is the position after the last item of a page: by date, or by
// search rank.
type cursor struct {
	search    bool
	published int64 // microseconds since the Unix epoch
	rank      float32
	id        int64
}

func (c cursor) String() string {
	var s string
	if c.search {
		s = "r:" + strconv.FormatFloat(float64(c.rank), 'g', -1, 32) + ":" + strconv.FormatInt(c.id, 10)
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
		var r float64
		r, err = strconv.ParseFloat(pos, 32)
		c.rank = float32(r)
	} else {
		c.published, err = strconv.ParseInt(pos, 10, 64)
	}
	if err != nil {
		return cursor{}, errCursor
	}
	return c, nil
}

// Items returns a page of items matching q and the cursor of the next page
// ("" at the end): newest first (published, then ID), or by relevance
// (ts_rank, title words weighing most) when q.Search is set. A search with
// nothing searchable in it matches nothing. An unknown FeedURL matches
// nothing. A cursor from another kind of query is an error.
func (db *DB) Items(ctx context.Context, q store.Query) ([]store.Item, string, error) {
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
	var (
		p     params
		query string
	)
	if search {
		tq, literals, err := tsQuery(q.Search)
		if err != nil {
			return nil, "", fmt.Errorf("search: %w", err)
		}
		if tq == "" {
			return []store.Item{}, "", nil
		}
		match := p.add(tq)
		where := append([]string{"i.search @@ tq.q"}, filters(q, &p)...)
		if cond := literalFilter(literals, &p); cond != "" {
			where = append(where, cond)
		}
		rank := "ts_rank(i.search, tq.q)"
		if q.Cursor != "" {
			r, id := p.add(c.rank), p.add(c.id)
			where = append(where, "("+rank+" < "+r+" OR ("+rank+" = "+r+" AND i.id > "+id+"))")
		}
		query = "SELECT " + itemColumns + ", " + rank + itemFrom + ", to_tsquery('simple', " + match + ") tq(q)" +
			whereClause(where) + " ORDER BY " + rank + " DESC, i.id"
	} else {
		where := filters(q, &p)
		if q.Cursor != "" {
			where = append(where, "(i.published, i.id) < ("+p.add(ts(time.UnixMicro(c.published)))+", "+p.add(c.id)+")")
		}
		query = "SELECT " + itemColumns + ", 0::real" + itemFrom + whereClause(where) + " ORDER BY i.published DESC, i.id DESC"
	}
	if q.Limit > 0 {
		// One more tells whether a next page exists.
		query += " LIMIT " + p.add(q.Limit+1)
	}

	items := []store.Item{}
	var next string
	err = db.readTx(ctx, func(tx pgx.Tx) error {
		items, next = []store.Item{}, ""
		rows, err := tx.Query(ctx, query, p...)
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
			var rank float32
			it, err := scanItem(rows, &rank)
			if err != nil {
				return err
			}
			items = append(items, it)
			last = cursor{search: search, published: it.Published.UnixMicro(), rank: rank, id: it.ID}
		}
		return rows.Err()
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
	it, err := scanItem(db.pool.QueryRow(ctx, "SELECT "+itemColumns+itemFrom+" WHERE i.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Item{}, fmt.Errorf("item %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Item{}, fmt.Errorf("item %d: %w", id, err)
	}
	return it, nil
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
	err := retry(func() error {
		// PostgreSQL counts every row the WHERE matched, changed or not:
		// exactly "how many exist".
		tag, err := db.pool.Exec(ctx, "UPDATE items SET "+col+" = $1 WHERE id = ANY($2)", on, ids)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// MarkAllRead marks every unread item matching q read (Limit and Cursor
// ignored; Search applies) and returns how many changed.
func (db *DB) MarkAllRead(ctx context.Context, q store.Query) (int, error) {
	var p params
	where := append(filters(q, &p), "NOT i.read")
	if q.Search != "" {
		tq, literals, err := tsQuery(q.Search)
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		if tq == "" {
			return 0, nil
		}
		where = append(where, "i.search @@ to_tsquery('simple', "+p.add(tq)+")")
		if cond := literalFilter(literals, &p); cond != "" {
			where = append(where, cond)
		}
	}
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, "UPDATE items i SET read = true"+whereClause(where), p...)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", err)
	}
	return int(n), nil
}

// Prune deletes read, unstarred items published before cutoff, leaving a
// tombstone (feed, guid, url, content hash) for each so they never come
// back as new, in one statement. With dryRun it only counts. It returns the
// number of items.
func (db *DB) Prune(ctx context.Context, cutoff time.Time, dryRun bool) (int, error) {
	const prunable = " FROM items WHERE read AND NOT starred AND published < $1"
	var n int
	err := retry(func() error {
		if dryRun {
			return db.pool.QueryRow(ctx, "SELECT count(*)"+prunable, ts(cutoff)).Scan(&n)
		}
		return db.pool.QueryRow(ctx, `WITH pruned AS (DELETE`+prunable+` RETURNING feed_id, guid, url, content_hash),
			tombs AS (INSERT INTO tombstones (feed_id, guid, url, content_hash, pruned_at)
				SELECT feed_id, guid, url, content_hash, $2 FROM pruned WHERE feed_id IS NOT NULL)
			SELECT count(*) FROM pruned`, ts(cutoff), ts(time.Now())).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("prune items: %w", err)
	}
	return n, nil
}

// Optimize vacuums the tables and updates the planner's statistics; the
// vacuum also merges the full-text index's pending entries. Tables the
// database user does not own are skipped with a warning from the server.
func (db *DB) Optimize(ctx context.Context) error {
	// VACUUM cannot run inside a transaction: the simple protocol sends
	// it on its own.
	if _, err := db.pool.Exec(ctx, "VACUUM (ANALYZE) feeds, items, tombstones", pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("optimize database: %w", diskFull(err))
	}
	return nil
}
