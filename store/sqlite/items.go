package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"tidings/store"
)

// itemColumns are what scanItem reads; the feed's URL and title come from
// the feed (the user's title for it first), or from the item once its feed
// is gone. They need itemFrom's aliases and its two user parameters.
const itemColumns = `i.id, i.feed_id, coalesce(f.url, i.feed_url),
	coalesce(nullif(sub.title, ''), f.title, i.feed_title),
	i.guid, i.url, i.title, i.author, i.content, i.categories, i.enclosures,
	i.published, i.updated, i.first_seen, coalesce(st.read, 0), coalesce(st.starred, 0)`

// itemFrom joins an item with its feed and the acting user's (?1)
// subscription to it and state of it.
const itemFrom = ` FROM items i LEFT JOIN feeds f ON f.id = i.feed_id
	LEFT JOIN subscriptions sub ON sub.user_id = ?1 AND sub.feed_id = i.feed_id
	LEFT JOIN item_states st ON st.user_id = ?1 AND st.item_id = i.id`

// idFrom is itemFrom for queries of ids only: without the feed and the
// subscription, which only give the item's feed title.
const idFrom = ` FROM items i LEFT JOIN item_states st ON st.user_id = ?1 AND st.item_id = i.id`

// visible is the condition on an item (alias i) that the user (?1) may
// read it: its feed is one of theirs, or they starred it.
const visible = `(i.feed_id IN (SELECT feed_id FROM subscriptions WHERE user_id = ?1)
	OR EXISTS (SELECT 1 FROM item_states vs WHERE vs.user_id = ?1 AND vs.item_id = i.id AND vs.starred = 1))`

// isUnread is the condition that the user (?1) has not read an item
// (alias i).
const isUnread = `NOT EXISTS (SELECT 1 FROM item_states ur WHERE ur.user_id = ?1 AND ur.item_id = i.id AND ur.read = 1)`

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

const itemTagsSQL = `SELECT s.feed_id, t.name FROM subscriptions s
	JOIN subscription_tags x ON x.subscription_id = s.id JOIN tags t ON t.id = x.tag_id
	WHERE s.user_id = ? AND s.feed_id IN (SELECT value FROM json_each(?)) ORDER BY s.feed_id, x.pos`

// itemTags fills Tags of items from the user's tags of their feeds.
func itemTags(ctx context.Context, q queryer, userID int64, items []store.Item) error {
	var ids []int64
	seen := make(map[int64]bool)
	for i := range items {
		items[i].Tags = []string{}
		if id := items[i].FeedID; id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, itemTagsSQL, userID, jsonList(ids))
	if err != nil {
		return fmt.Errorf("read tags: %w", err)
	}
	defer rows.Close()
	tags := make(map[int64][]string)
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return fmt.Errorf("read tags: %w", err)
		}
		tags[id] = append(tags[id], tag)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read tags: %w", err)
	}
	for i := range items {
		if t := tags[items[i].FeedID]; t != nil {
			items[i].Tags = t
		}
	}
	return nil
}

// filters returns the WHERE conditions on items (alias i, with itemFrom's
// joins) for the user's items that q's filters select, not its search or
// cursor. ?1 is the user; the returned args follow it.
func filters(q store.Query) ([]string, []any) {
	where := []string{visible}
	var args []any
	if q.FeedID != 0 {
		where = append(where, "i.feed_id = ?")
		args = append(args, q.FeedID)
	}
	if q.FeedURL != "" {
		where = append(where, `i.feed_id IN (SELECT s.feed_id FROM subscriptions s JOIN feeds sf ON sf.id = s.feed_id
			WHERE s.user_id = ?1 AND (sf.url = ? OR (sf.fetch_url = ? AND sf.fetch_url <> '')))`)
		args = append(args, q.FeedURL, q.FeedURL)
	}
	if q.Tag != "" {
		where = append(where, `i.feed_id IN (SELECT s.feed_id FROM subscriptions s
			JOIN subscription_tags x ON x.subscription_id = s.id JOIN tags t ON t.id = x.tag_id
			WHERE s.user_id = ?1 AND t.name = ?)`)
		args = append(args, store.NormalizeTag(q.Tag))
	}
	if q.Unread {
		// NOT EXISTS, not a condition on the joined state: the planner
		// then probes the state of each item it walks, where the join
		// made it build a Bloom filter of every state row of the user
		// first.
		where = append(where, isUnread)
	}
	if q.Read {
		where = append(where, "st.read = 1")
	}
	if q.Starred {
		where = append(where, "st.starred = 1")
	}
	if !q.Since.IsZero() {
		where = append(where, "i.published >= ?")
		args = append(args, toMillis(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, "i.published < ?")
		args = append(args, toMillis(q.Until))
	}
	if q.AfterID != 0 {
		where = append(where, "i.id > ?")
		args = append(args, q.AfterID)
	}
	if q.BeforeID != 0 {
		where = append(where, "i.id < ?")
		args = append(args, q.BeforeID)
	}
	if q.IDs != nil {
		where = append(where, "i.id IN (SELECT value FROM json_each(?))")
		args = append(args, jsonList(q.IDs))
	}
	return where, args
}

// cursor is the position after the last item of a page: by date, by ID,
// or by search rank.
type cursor struct {
	kind      byte // 'd' date, 'i' id, 'r' rank
	published int64
	rank      float64
	id        int64
}

func (c cursor) String() string {
	var pos string
	switch c.kind {
	case 'r':
		pos = strconv.FormatFloat(c.rank, 'g', -1, 64)
	case 'd':
		pos = strconv.FormatInt(c.published, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(c.kind) + ":" + pos + ":" + strconv.FormatInt(c.id, 10)))
}

var errCursor = errors.New("invalid cursor; start again without one")

// cursorKind is the kind of cursor a query pages with.
func cursorKind(q store.Query) byte {
	switch {
	case q.Search != "":
		return 'r'
	case q.ByID:
		return 'i'
	}
	return 'd'
}

func parseCursor(s string, kind byte) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errCursor
	}
	k, rest, _ := strings.Cut(string(b), ":")
	pos, idText, ok := strings.Cut(rest, ":")
	if !ok || len(k) != 1 || k[0] != kind {
		return cursor{}, errCursor
	}
	c := cursor{kind: kind}
	if c.id, err = strconv.ParseInt(idText, 10, 64); err != nil {
		return cursor{}, errCursor
	}
	switch kind {
	case 'r':
		c.rank, err = strconv.ParseFloat(pos, 64)
	case 'd':
		c.published, err = strconv.ParseInt(pos, 10, 64)
	}
	if err != nil {
		return cursor{}, errCursor
	}
	return c, nil
}

// Title matches weigh more than body matches in the ranking.
const bm25Weights = "10.0, 1.0"

// itemQuery builds the query of the user's items that q selects, with
// cols selected (itemColumns with a rank, or fewer), in q's order, with
// its cursor and limit (limit+1 rows, to tell a next page). It returns
// "" when a search has nothing searchable in it: nothing matches.
func (db *DB) itemQuery(ctx context.Context, userID int64, q store.Query, cols string, limit int) (string, []any, error) {
	from := itemFrom
	if cols == "i.id" {
		from = idFrom
	}
	page, pargs, ok, err := unreadPage(userID, q, limit)
	if err != nil {
		return "", nil, err
	}
	if ok && cols == "i.id" {
		return "SELECT id, 0.0 FROM (" + page + ")", pargs, nil
	}
	if ok {
		// The page's ids first, then their rows: sorting the unread items
		// with every column of their rows cost more than finding them.
		desc := " DESC"
		if q.Oldest {
			desc = ""
		}
		return "WITH page AS MATERIALIZED (" + page + ") SELECT " + cols + ", 0.0" +
			strings.Replace(from, " FROM items i ", " FROM page JOIN items i ON i.id = page.id ", 1) +
			" ORDER BY page.published" + desc + ", page.id" + desc, pargs, nil
	}
	where, fargs := filters(q)
	args := append([]any{userID}, fargs...)
	kind := cursorKind(q)
	var c cursor
	if q.Cursor != "" {
		var err error
		if c, err = parseCursor(q.Cursor, kind); err != nil {
			return "", nil, err
		}
	}
	desc, cmp := " DESC", "<"
	if q.Oldest {
		desc, cmp = "", ">"
	}
	var query string
	switch kind {
	case 'r':
		match, literals, err := db.ftsMatch(ctx, q.Search)
		if err != nil {
			return "", nil, fmt.Errorf("search: %w", err)
		}
		if match == "" {
			return "", nil, nil
		}
		var largs []any
		if cond, la := literalFilter(literals); cond != "" {
			where, largs = append(where, cond), la
		}
		if q.Cursor != "" {
			where = append(where, "(s.rank, i.id) > (?, ?)")
		}
		// The MATCH is ?2, after the user's ?1; the filters' ? follow.
		query = "WITH s AS MATERIALIZED (" + strings.Replace(ftsRanked, "MATCH ?", "MATCH ?2", 1) + ")"
		args = append(append([]any{userID, match}, fargs...), largs...)
		if q.Cursor != "" {
			args = append(args, c.rank, c.id)
		}
		if cols == "i.id" {
			query += " SELECT i.id, s.rank" + from + " JOIN s ON s.id = i.id" + whereClause(where) + " ORDER BY s.rank, i.id"
			break
		}
		// The page's ids first, then their rows: sorting the candidates
		// with every column of their rows (content included) cost more
		// than the search itself.
		query += ", page AS MATERIALIZED (SELECT i.id, s.rank" + idFrom + " JOIN s ON s.id = i.id" + whereClause(where) +
			" ORDER BY s.rank, i.id"
		if limit > 0 {
			query += " LIMIT ?"
			args = append(args, limit)
		}
		query += ") SELECT " + cols + ", page.rank" +
			strings.Replace(from, " FROM items i ", " FROM page JOIN items i ON i.id = page.id ", 1) +
			" ORDER BY page.rank, page.id"
		return query, args, nil
	case 'i':
		if q.Cursor != "" {
			where = append(where, "i.id "+cmp+" ?")
			args = append(args, c.id)
		}
		query = "SELECT " + cols + ", 0.0" + from + whereClause(where) + " ORDER BY i.id" + desc
	default:
		if q.Cursor != "" {
			where = append(where, "(i.published, i.id) "+cmp+" (?, ?)")
			args = append(args, c.published, c.id)
		}
		query = "SELECT " + cols + ", 0.0" + from + whereClause(where) +
			" ORDER BY i.published" + desc + ", i.id" + desc
	}
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	return query, args, nil
}

// unreadPage returns the query of the ids (id) and dates (published) of
// a page of the user's (?1) unread items by date, newest or oldest first,
// after q's cursor, at most limit of them, for an unread listing by date
// without a search or a list of IDs; ok is false for any other query. It
// walks the items' date index (a feed's, for a feed or a tag; covering
// both) and probes unread_items for each, with the few unread starred
// items of feeds the user left (starredElsewhere) apart, each part ordered
// and limited, then merged: no item's row is read but the page's. The
// anti-join of the read states read every item's state and sorted every
// unread item with its content.
func unreadPage(userID int64, q store.Query, limit int) (string, []any, bool, error) {
	if !q.Unread || q.Read || q.Starred || q.Search != "" || q.ByID || q.FeedURL != "" || q.IDs != nil || limit <= 0 {
		return "", nil, false, nil
	}
	var c cursor
	if q.Cursor != "" {
		var err error
		if c, err = parseCursor(q.Cursor, 'd'); err != nil {
			return "", nil, false, err
		}
	}
	f := q
	f.Unread = false
	where, fargs := filters(f)
	// where[0] is visible: both parts are the user's items.
	conds := ""
	for _, w := range where[1:] {
		conds += " AND " + w
	}
	desc, cmp := " DESC", "<"
	if q.Oldest {
		desc, cmp = "", ">"
	}
	if q.Cursor != "" {
		conds += " AND (i.published, i.id) " + cmp + " (?, ?)"
		fargs = append(fargs, c.published, c.id)
	}
	order := " ORDER BY i.published" + desc + ", i.id" + desc + " LIMIT ?"
	set := "SELECT i.id, i.published FROM items i WHERE EXISTS (SELECT 1 FROM unread_items u WHERE u.user_id = ?1 AND u.item_id = i.id)" + conds + order
	others := "SELECT i.id, i.published" + starredElsewhereFrom + conds + order
	// Each plain ? is numbered after the ones before it: the second part
	// takes its own copy of the filters' arguments.
	args := []any{userID}
	args = append(append(args, fargs...), limit)
	args = append(append(args, fargs...), limit, limit)
	return "SELECT * FROM (" + set + ") UNION ALL SELECT * FROM (" + others + ") ORDER BY 2" + desc + ", 1" + desc + " LIMIT ?",
		args, true, nil
}

// Items returns a page of the user's items matching q and the cursor of
// the next page ("" at the end): newest first (published, then ID), oldest
// first, by ID, or by relevance when q.Search is set. A search with
// nothing searchable in it matches nothing. An unknown FeedURL matches
// nothing. A cursor from another kind of query is an error.
func (db *DB) Items(ctx context.Context, userID int64, q store.Query) ([]store.Item, string, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
	}
	limit := 0
	if q.Limit > 0 {
		limit = q.Limit + 1 // one more tells whether a next page exists
	}
	query, args, err := db.itemQuery(ctx, userID, q, itemColumns, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
	}
	items := []store.Item{}
	if query == "" {
		return items, "", nil
	}
	kind := cursorKind(q)
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
			last = cursor{kind: kind, published: toMillis(it.Published), rank: rank, id: it.ID}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return itemTags(ctx, tx, userID, items)
	})
	if err != nil {
		return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
	}
	return items, next, nil
}

// ItemIDs returns the IDs of the user's items that q selects, in q's
// order, at most q.Limit of them.
func (db *DB) ItemIDs(ctx context.Context, userID int64, q store.Query) ([]int64, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list item ids: %w", db.QueryTimeoutError(ctx, err))
	}
	q.Cursor = ""
	if set, others, args, ok := unreadSetQueries(userID, q); ok {
		ids, err := db.unreadSet(ctx, set, others, args, q)
		if err != nil {
			return nil, fmt.Errorf("list item ids: %w", db.QueryTimeoutError(ctx, err))
		}
		return ids, nil
	}
	query, args, err := unreadIDsQuery(userID, q)
	if query == "" && err == nil {
		query, args, err = db.itemQuery(ctx, userID, q, "i.id", q.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list item ids: %w", db.QueryTimeoutError(ctx, err))
	}
	ids := []int64{}
	if query == "" {
		return ids, nil
	}
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list item ids: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var rank float64
		if err := rows.Scan(&id, &rank); err != nil {
			return nil, fmt.Errorf("list item ids: %w", db.QueryTimeoutError(ctx, err))
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list item ids: %w", db.QueryTimeoutError(ctx, err))
	}
	return ids, nil
}

// starredElsewhere selects the ids of the user's (?1) starred items that
// they have not read, of feeds they do not follow (or of no feed any
// more): their unread items that unread_items does not hold.
const starredElsewhere = "SELECT st.item_id" + starredElsewhereFrom

// starredElsewhereFrom is the FROM and WHERE of starredElsewhere, for the
// columns each caller selects (st is the state, i the item).
const starredElsewhereFrom = ` FROM item_states st JOIN items i ON i.id = st.item_id
	WHERE st.user_id = ?1 AND st.starred = 1 AND st.read = 0
	AND (i.feed_id IS NULL OR i.feed_id NOT IN (SELECT feed_id FROM subscriptions WHERE user_id = ?1))`

// unreadSet returns the ids of the user's unread items in ID order,
// oldest first or newest first, bounded by AfterID and BeforeID, at most
// q.Limit of them, for unreadSetQueries' q: the user's range of
// unread_items and the few unread starred items of feeds they left, read
// apart in one snapshot (as one compound query, SQLite's merge of the two
// cost as much as the range itself) and merged here. SQLite joins each
// part's ids into one text, which Go splits: a row per id through
// database/sql cost more than the query.
func (db *DB) unreadSet(ctx context.Context, set, others string, args []any, q store.Query) ([]int64, error) {
	var ids []int64
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		ids = []int64{}
		for _, query := range []string{set, others} {
			var list string
			if err := tx.QueryRowContext(ctx, "SELECT coalesce(group_concat(item_id), '') FROM ("+query+")", args...).Scan(&list); err != nil {
				return err
			}
			for f := range strings.SplitSeq(list, ",") {
				if f == "" {
					continue
				}
				id, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					return fmt.Errorf("unread item id %q: %w", f, err)
				}
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Each part is in order, but an aggregate's order is SQLite's to
	// choose: sorted here, the merge is certain.
	if q.Oldest {
		slices.Sort(ids)
	} else {
		slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	}
	if q.Limit > 0 && len(ids) > q.Limit {
		ids = ids[:q.Limit]
	}
	return ids, nil
}

// unreadSetQueries returns the two queries of the ids (item_id) of the
// user's unread items in ID order, bounded by AfterID and BeforeID and
// nothing else, each limited to q.Limit, with their arguments; ok is false
// for any other query. set reads the user's range of unread_items (one
// step along its key per id), others the unread starred items of feeds
// they left (see starredElsewhere).
func unreadSetQueries(userID int64, q store.Query) (set, others string, args []any, ok bool) {
	if !q.Unread || !q.ByID || q.Read || q.Starred || q.Search != "" || q.FeedID != 0 || q.FeedURL != "" ||
		q.Tag != "" || !q.Since.IsZero() || !q.Until.IsZero() || q.IDs != nil {
		return "", "", nil, false
	}
	set, others = "SELECT item_id FROM unread_items WHERE user_id = ?1", starredElsewhere
	args = []any{userID}
	if q.AfterID != 0 {
		set += " AND item_id > ?2"
		others += " AND st.item_id > ?2"
		args = append(args, q.AfterID)
	}
	if q.BeforeID != 0 {
		n := "?" + strconv.Itoa(len(args)+1)
		set += " AND item_id < " + n
		others += " AND st.item_id < " + n
		args = append(args, q.BeforeID)
	}
	desc := " DESC"
	if q.Oldest {
		desc = ""
	}
	set += " ORDER BY item_id" + desc
	others += " ORDER BY st.item_id" + desc
	if q.Limit > 0 {
		n := " LIMIT ?" + strconv.Itoa(len(args)+1)
		set += n
		others += n
		args = append(args, q.Limit)
	}
	return set, others, args, true
}

// unreadIDsQuery returns the query of the ids of the user's unread items
// that q selects by ID, without a search, or "" for any other query. It is
// the user's items that q selects EXCEPT the ones they read, both in ID
// order, which SQLite runs as a merge of the two: a step along each list
// instead of a lookup of the state of every item. It serves the listings
// by ID with filters (a feed's, a tag's), which unreadSetQueries leaves to
// it. The items are walked in rowid order (the unary + keeps the feeds'
// index from ordering them by date).
func unreadIDsQuery(userID int64, q store.Query) (string, []any, error) {
	if !q.Unread || !q.ByID || q.Search != "" || q.Read {
		return "", nil, nil
	}
	q.Unread = false
	where, fargs := filters(q)
	where[0] = strings.Replace(where[0], "i.feed_id IN", "+i.feed_id IN", 1)
	read := "SELECT ur.item_id FROM item_states ur WHERE ur.user_id = ?1 AND ur.read = 1"
	args := append([]any{userID}, fargs...)
	if q.AfterID != 0 {
		read += " AND ur.item_id > ?"
		args = append(args, q.AfterID)
	}
	if q.BeforeID != 0 {
		read += " AND ur.item_id < ?"
		args = append(args, q.BeforeID)
	}
	desc := " DESC"
	if q.Oldest {
		desc = ""
	}
	query := "SELECT i.id, 0.0 FROM items i" + whereClause(where) + " EXCEPT SELECT *, 0.0 FROM (" + read + ") ORDER BY 1" + desc
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit)
	}
	return query, args, nil
}

// CountItems counts the user's items that q selects.
func (db *DB) CountItems(ctx context.Context, userID int64, q store.Query) (int, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return 0, fmt.Errorf("count items: %w", db.QueryTimeoutError(ctx, err))
	}
	if query, args, ok := keptCount(userID, q); ok {
		var n int
		if err := db.read.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count items: %w", db.QueryTimeoutError(ctx, err))
		}
		return n, nil
	}
	where, args, ok, err := db.matchSet(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("count items: %w", err)
	}
	if !ok {
		return 0, nil
	}
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*)"+itemFrom+whereClause(where),
		append([]any{userID}, args...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count items: %w", db.QueryTimeoutError(ctx, err))
	}
	return n, nil
}

// keptCount returns the query that counts the user's (?1) items that q
// selects from the kept counts (feeds.item_count, subscriptions.read_count)
// rather than from the items, when q filters by feed, tag and read state
// alone; ok is false for any other query. The user's items are those of
// their subscriptions, counted from the kept counts, and the starred items
// of feeds they do not follow, counted one by one (few: what they starred
// before they left a feed).
func keptCount(userID int64, q store.Query) (query string, args []any, ok bool) {
	if q.FeedURL != "" || q.Starred || (q.Unread && q.Read) || q.Search != "" || !q.Since.IsZero() ||
		!q.Until.IsZero() || q.AfterID != 0 || q.BeforeID != 0 || q.IDs != nil {
		return "", nil, false
	}
	kept, state := "f.item_count", ""
	switch {
	case q.Unread:
		kept, state = "f.item_count - s.read_count", " AND st.read = 0"
	case q.Read:
		kept, state = "s.read_count", " AND st.read = 1"
	}
	subs, starred := "s.user_id = ?1", "st.user_id = ?1 AND st.starred = 1"+state
	args = []any{userID}
	if q.FeedID != 0 {
		subs += " AND s.feed_id = ?2"
		starred += " AND i.feed_id = ?2"
		args = append(args, q.FeedID)
	}
	others := `(SELECT count(*) FROM item_states st JOIN items i ON i.id = st.item_id WHERE ` + starred + `
		AND (i.feed_id IS NULL OR i.feed_id NOT IN (SELECT feed_id FROM subscriptions WHERE user_id = ?1)))`
	if q.Tag != "" {
		// A tag is a subscription's: starred items of feeds the user does
		// not follow have none.
		subs += ` AND s.id IN (SELECT x.subscription_id FROM subscription_tags x JOIN tags t ON t.id = x.tag_id
			WHERE t.user_id = ?1 AND t.name = ?` + strconv.Itoa(len(args)+1) + `)`
		args = append(args, store.NormalizeTag(q.Tag))
		others = "0"
	}
	return `SELECT coalesce((SELECT sum(` + kept + `) FROM subscriptions s JOIN feeds f ON f.id = s.feed_id
		WHERE ` + subs + `), 0) + ` + others, args, true
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// Item returns one of the user's items by ID, or an error wrapping
// store.ErrNotFound.
func (db *DB) Item(ctx context.Context, userID, id int64) (store.Item, error) {
	var it store.Item
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		it, err = scanItem(tx.QueryRowContext(ctx, "SELECT "+itemColumns+itemFrom+" WHERE i.id = ?2 AND "+visible, userID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("item %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("item %d: %w", id, err)
		}
		items := []store.Item{it}
		if err := itemTags(ctx, tx, userID, items); err != nil {
			return err
		}
		it = items[0]
		return nil
	})
	return it, err
}

// SetRead marks the user's items read or unread; it returns how many of
// ids are the user's items.
func (db *DB) SetRead(ctx context.Context, userID int64, ids []int64, read bool) (int, error) {
	n, err := db.setState(ctx, userID, "read", ids, read)
	if err != nil {
		return 0, fmt.Errorf("mark items read: %w", err)
	}
	return n, nil
}

// SetStarred stars or unstars the user's items; it returns how many of ids
// are the user's items.
func (db *DB) SetStarred(ctx context.Context, userID int64, ids []int64, starred bool) (int, error) {
	n, err := db.setState(ctx, userID, "starred", ids, starred)
	if err != nil {
		return 0, fmt.Errorf("star items: %w", err)
	}
	return n, nil
}

// visibleIDs selects which of the ids (?2, JSON) the user (?1) may read.
const visibleIDs = `SELECT i.id FROM items i WHERE i.id IN (SELECT value FROM json_each(?2)) AND ` + visible

// setState sets the user's read or starred flag (col) of the items they
// may read. A state row exists only while one of the flags is set.
func (db *DB) setState(ctx context.Context, userID int64, col string, ids []int64, on bool) (int, error) {
	if err := checkUser(ctx, db.read, userID); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		list := jsonList(ids)
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM ("+visibleIDs+")", userID, list).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if on {
			args := []any{userID, list}
			upsert := `INSERT INTO item_states (user_id, item_id, read) SELECT ?1, id, 1 FROM (` + visibleIDs + `) WHERE true
				ON CONFLICT (user_id, item_id) DO UPDATE SET read = 1 WHERE read = 0`
			if col == "starred" {
				upsert = `INSERT INTO item_states (user_id, item_id, starred, starred_at)
					SELECT ?1, id, 1, ?3 FROM (` + visibleIDs + `) WHERE true
					ON CONFLICT (user_id, item_id) DO UPDATE SET starred = 1, starred_at = ?3 WHERE starred = 0`
				args = append(args, toMillis(time.Now()))
			}
			_, err := tx.ExecContext(ctx, upsert, args...)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE item_states SET `+col+` = 0
			WHERE user_id = ?1 AND `+col+` = 1 AND item_id IN (SELECT value FROM json_each(?2))`, userID, list); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM item_states WHERE user_id = ?1 AND read = 0 AND starred = 0
			AND item_id IN (SELECT value FROM json_each(?2))`, userID, list)
		return err
	})
	return n, err
}

// MarkAllRead marks every unread item of the user matching q read (Limit,
// Cursor and order ignored; Search applies) and returns how many changed.
func (db *DB) MarkAllRead(ctx context.Context, userID int64, q store.Query) (int, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return 0, fmt.Errorf("mark all read: %w", db.QueryTimeoutError(ctx, err))
	}
	q.Unread = true
	where, args, ok, err := db.matchSet(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", err)
	}
	if !ok {
		return 0, nil
	}
	var n int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO item_states (user_id, item_id, read)
			SELECT ?1, i.id, 1`+itemFrom+whereClause(where)+`
			ON CONFLICT (user_id, item_id) DO UPDATE SET read = 1 WHERE read = 0`, append([]any{userID}, args...)...)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", db.QueryTimeoutError(ctx, err))
	}
	return int(n), nil
}

// prunable selects the items Prune deletes: published before ?1, starred
// by nobody, and read by every subscriber of their feed; or kept from a
// gone feed (no feed_id) and starred by nobody any more.
const prunable = ` FROM items WHERE NOT EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = items.id AND st.starred = 1)
	AND ((feed_id IS NULL) OR (published < ?1 AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_id = items.feed_id
		AND NOT EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = s.user_id AND st.item_id = items.id AND st.read = 1))))`

// Prune deletes the items prunable selects, leaving a tombstone (feed,
// guid, url, content hash) for each that has a feed so they never come
// back as new, and recounts the feeds' counts. With dryRun it only
// counts. It returns the number of items.
func (db *DB) Prune(ctx context.Context, cutoff time.Time, dryRun bool) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		c := toMillis(cutoff)
		if dryRun {
			return tx.QueryRowContext(ctx, "SELECT count(*)"+prunable, c).Scan(&n)
		}
		if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS pruned (id INTEGER PRIMARY KEY, feed_id INTEGER)"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM temp.pruned"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO temp.pruned (id, feed_id) SELECT id, feed_id"+prunable, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tombstones (feed_id, guid, url, content_hash, pruned_at)
			SELECT feed_id, guid, url, content_hash, ? FROM items
			WHERE id IN (SELECT id FROM temp.pruned) AND feed_id IS NOT NULL`, toMillis(time.Now())); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, "DELETE FROM items WHERE id IN (SELECT id FROM temp.pruned)")
		if err != nil {
			return err
		}
		if n, err = r.RowsAffected(); err != nil {
			return err
		}
		feeds, err := queryIDs(ctx, tx, "SELECT DISTINCT feed_id FROM temp.pruned WHERE feed_id IS NOT NULL")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM temp.pruned"); err != nil {
			return err
		}
		if err := recountItems(ctx, tx, feeds); err != nil {
			return err
		}
		return recountRead(ctx, tx, feeds)
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
