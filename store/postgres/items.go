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

// itemColumns are what scanItem reads: the item (alias i) as the user of
// the query sees it, with their subscription (s), state (st) and the feed
// (f). The feed's URL and title come from the feed, or from the item once
// its feed is removed; the title is the user's when they gave one.
const itemColumns = `i.id, i.feed_id, coalesce(f.url, i.feed_url),
	coalesce(CASE WHEN s.title <> '' THEN s.title ELSE f.title END, i.feed_title),
	i.guid, i.url, i.title, i.author, i.content, i.categories, i.enclosures,
	i.published, i.updated, i.first_seen, coalesce(st.read, false), coalesce(st.starred, false), ` + tagsExpr

// itemFrom joins an item to the user's ($1) subscription to its feed,
// their state of it and the feed, for itemColumns; idFrom is the item
// alone. The conditions (visible, selectItems) never use the joined rows:
// as EXISTS subqueries the planner estimates them well and walks the
// items' date index for a page, while conditions on the outer joins' NULLs
// are estimated to match almost nothing and make it sort every item.
const (
	itemFrom = ` FROM items i
	LEFT JOIN subscriptions s ON s.user_id = $1 AND s.feed_id = i.feed_id
	LEFT JOIN item_states st ON st.user_id = $1 AND st.item_id = i.id
	LEFT JOIN feeds f ON f.id = i.feed_id`
	idFrom = ` FROM items i`
)

// visible is the condition on an item (alias i) that the user ($1) may
// read it: its feed is one of theirs, or they starred it.
const visible = `(i.feed_id IN (SELECT sv.feed_id FROM subscriptions sv WHERE sv.user_id = $1)
	OR ` + isStarred + `)`

// The user's ($1) state of an item (alias i).
const (
	isRead    = "EXISTS (SELECT 1 FROM item_states r WHERE r.user_id = $1 AND r.item_id = i.id AND r.read)"
	isStarred = "EXISTS (SELECT 1 FROM item_states v WHERE v.user_id = $1 AND v.item_id = i.id AND v.starred)"
)

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

// selection is a Query made SQL: the conditions on an item, alias i (the
// user's ID is always $1) and their arguments. none is set when the query
// can match nothing (an empty IDs list, a search with no words).
type selection struct {
	p     params
	where []string
	match string // the tsquery's placeholder, when searching
	none  bool
	err   error // a search that cannot be run (store.ErrSearchTooLong)
}

// selectItems makes q's filters, search included, for the user; not its
// cursor, order or limit.
func selectItems(userID int64, q store.Query) *selection {
	sel := &selection{}
	p := &sel.p
	p.add(userID)
	where := []string{visible}
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			sel.none = true
		}
		where = append(where, "i.id = ANY("+p.add(q.IDs)+")")
	}
	if q.FeedID != 0 {
		where = append(where, "i.feed_id = "+p.add(q.FeedID))
	}
	if q.FeedURL != "" {
		u := p.add(text(q.FeedURL))
		// A scalar subquery: NULL, so no item, when the user has no such
		// subscription; else the feed's items by its index.
		where = append(where, `i.feed_id = (SELECT f2.id FROM subscriptions s2 JOIN feeds f2 ON f2.id = s2.feed_id
			WHERE s2.user_id = $1 AND (f2.url = `+u+` OR (f2.fetch_url = `+u+` AND f2.fetch_url <> ''))
			ORDER BY f2.url = `+u+` DESC LIMIT 1)`)
	}
	if q.Tag != "" {
		where = append(where, `i.feed_id IN (SELECT s2.feed_id FROM subscriptions s2
			JOIN subscription_tags x ON x.subscription_id = s2.id JOIN tags t ON t.id = x.tag_id
			WHERE s2.user_id = $1 AND t.user_id = $1 AND t.name = `+p.add(text(store.NormalizeTag(q.Tag)))+`)`)
	}
	if q.Unread {
		where = append(where, "NOT "+isRead)
	}
	if q.Read {
		where = append(where, isRead)
	}
	if q.Starred {
		where = append(where, isStarred)
	}
	if !q.Since.IsZero() {
		where = append(where, "i.published >= "+p.add(ts(q.Since)))
	}
	if !q.Until.IsZero() {
		where = append(where, "i.published < "+p.add(ts(q.Until)))
	}
	if q.AfterID != 0 {
		where = append(where, "i.id > "+p.add(q.AfterID))
	}
	if q.BeforeID != 0 {
		where = append(where, "i.id < "+p.add(q.BeforeID))
	}
	if q.Search != "" {
		tq, literals, err := tsQuery(q.Search)
		if err != nil {
			sel.err = fmt.Errorf("search: %w", err)
		}
		if tq == "" {
			sel.none = true
		}
		sel.match = p.add(tq)
		where = append(where, searchCond(sel.match))
		if cond := literalFilter(literals, p); cond != "" {
			where = append(where, cond)
		}
	}
	sel.where = where
	return sel
}

// order is how a query orders its items, and so what its cursor holds.
type order byte

const (
	newest     order = 'd' // published, then ID, descending
	oldest     order = 'o' // published, then ID, ascending
	idDesc     order = 'i' // ID descending
	idAsc      order = 'j' // ID ascending
	byRelevace order = 'r' // search rank descending, then ID ascending
)

func orderOf(q store.Query) order {
	switch {
	case q.Search != "":
		return byRelevace
	case q.ByID && q.Oldest:
		return idAsc
	case q.ByID:
		return idDesc
	case q.Oldest:
		return oldest
	}
	return newest
}

// rankExpr is an item's search rank, title words weighing most.
func rankExpr(match string) string { return "ts_rank(i.search, to_tsquery('simple', " + match + "))" }

// orderBy is the ORDER BY clause of o.
func (sel *selection) orderBy(o order) string {
	switch o {
	case oldest:
		return " ORDER BY i.published, i.id"
	case idDesc:
		return " ORDER BY i.id DESC"
	case idAsc:
		return " ORDER BY i.id"
	case byRelevace:
		return " ORDER BY " + rankExpr(sel.match) + " DESC, i.id"
	}
	return " ORDER BY i.published DESC, i.id DESC"
}

// cursor is the position after the last item of a page, in its order.
type cursor struct {
	order     order
	published int64 // microseconds since the Unix epoch
	rank      float32
	id        int64
}

func (c cursor) String() string {
	var pos string
	switch c.order {
	case byRelevace:
		pos = strconv.FormatFloat(float64(c.rank), 'g', -1, 32)
	case newest, oldest:
		pos = strconv.FormatInt(c.published, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(c.order) + ":" + pos + ":" + strconv.FormatInt(c.id, 10)))
}

var errCursor = errors.New("invalid cursor; start again without one")

func parseCursor(s string, o order) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, errCursor
	}
	kind, rest, _ := strings.Cut(string(b), ":")
	pos, idText, ok := strings.Cut(rest, ":")
	if !ok || kind != string(o) {
		return cursor{}, errCursor
	}
	c := cursor{order: o}
	if c.id, err = strconv.ParseInt(idText, 10, 64); err != nil {
		return cursor{}, errCursor
	}
	switch o {
	case byRelevace:
		var r float64
		r, err = strconv.ParseFloat(pos, 32)
		c.rank = float32(r)
	case newest, oldest:
		c.published, err = strconv.ParseInt(pos, 10, 64)
	default:
		if pos != "" {
			err = errCursor
		}
	}
	if err != nil {
		return cursor{}, errCursor
	}
	return c, nil
}

// after adds the condition that keeps the items after c.
func (sel *selection) after(c cursor) {
	p := &sel.p
	var cond string
	switch c.order {
	case newest:
		cond = "(i.published, i.id) < (" + p.add(ts(time.UnixMicro(c.published))) + ", " + p.add(c.id) + ")"
	case oldest:
		cond = "(i.published, i.id) > (" + p.add(ts(time.UnixMicro(c.published))) + ", " + p.add(c.id) + ")"
	case idDesc:
		cond = "i.id < " + p.add(c.id)
	case idAsc:
		cond = "i.id > " + p.add(c.id)
	case byRelevace:
		rank, r, id := rankExpr(sel.match), p.add(c.rank), p.add(c.id)
		cond = "(" + rank + " < " + r + " OR (" + rank + " = " + r + " AND i.id > " + id + "))"
	}
	sel.where = append(sel.where, cond)
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// Items returns a page of the user's items that q selects and the cursor
// of the next page ("" at the end). A search with nothing searchable in it
// matches nothing, as does an unknown FeedURL. A cursor from another
// order of query is an error.
func (db *DB) Items(ctx context.Context, userID int64, q store.Query) ([]store.Item, string, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	o := orderOf(q)
	sel := selectItems(userID, q)
	if sel.err != nil {
		return nil, "", fmt.Errorf("list items: %w", sel.err)
	}
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor, o)
		if err != nil {
			return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
		}
		sel.after(c)
	}
	items := []store.Item{}
	if sel.none {
		return items, "", db.userOr(ctx, userID, "list items")
	}
	rank := "0::real"
	if o == byRelevace {
		rank = rankExpr(sel.match)
	}
	var query string
	if page, p, ok := unreadByDate(userID, q, q.Limit+1); ok && q.Limit > 0 {
		// The page's ids from the unread set, then their rows.
		query = "WITH page AS MATERIALIZED (" + page + ") SELECT " + itemColumns + ", 0::real" +
			strings.Replace(itemFrom, " FROM items i", " FROM page JOIN items i ON i.id = page.id", 1) + sel.orderBy(o)
		sel.p = p
	} else {
		query = "SELECT " + itemColumns + ", " + rank + itemFrom + whereClause(sel.where) + sel.orderBy(o)
		if q.Limit > 0 {
			// One more tells whether a next page exists.
			query += " LIMIT " + sel.p.add(q.Limit+1)
		}
	}
	rows, err := db.pool.Query(ctx, query, sel.p...)
	if err != nil {
		return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	var (
		next string
		last cursor
	)
	for rows.Next() {
		if q.Limit > 0 && len(items) == q.Limit {
			next = last.String()
			break
		}
		var r float32
		it, err := scanItem(rows, &r)
		if err != nil {
			return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
		}
		items = append(items, it)
		last = cursor{order: o, published: it.Published.UnixMicro(), rank: r, id: it.ID}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list items: %w", db.QueryTimeoutError(ctx, err))
	}
	rows.Close()
	if len(items) == 0 && q.Cursor == "" {
		return items, "", db.userOr(ctx, userID, "list items")
	}
	return items, next, nil
}

// userOr returns nil if the user exists, else the missing user's error
// under what.
func (db *DB) userOr(ctx context.Context, userID int64, what string) error {
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// ItemIDs returns the IDs of the user's items that q selects, in q's
// order, at most q.Limit of them (Cursor ignored).
func (db *DB) ItemIDs(ctx context.Context, userID int64, q store.Query) ([]int64, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	query, args := unreadSetQuery(userID, q)
	if query == "" && q.Limit > 0 {
		q.Cursor = ""
		if page, p, ok := unreadByDate(userID, q, q.Limit); ok {
			query, args = "SELECT id FROM ("+page+") page", p
		}
	}
	if query == "" {
		o := orderOf(q)
		sel := selectItems(userID, q)
		if sel.err != nil {
			return nil, fmt.Errorf("list item IDs: %w", sel.err)
		}
		if sel.none {
			return []int64{}, db.userOr(ctx, userID, "list item IDs")
		}
		query = "SELECT i.id" + idFrom + whereClause(sel.where) + sel.orderBy(o)
		if q.Limit > 0 {
			query += " LIMIT " + sel.p.add(q.Limit)
		}
		args = sel.p
	}
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list item IDs: %w", db.QueryTimeoutError(ctx, err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list item IDs: %w", db.QueryTimeoutError(ctx, err))
	}
	if len(ids) == 0 {
		return []int64{}, db.userOr(ctx, userID, "list item IDs")
	}
	return ids, nil
}

// starredElsewhere selects the ids (as id) of the user's ($1) starred
// items that they have not read, of feeds they do not follow (or of no
// feed any more): their unread items that unread_items does not hold.
const starredElsewhere = "SELECT st.item_id AS id" + starredElsewhereFrom

// starredElsewhereFrom is the FROM and WHERE of starredElsewhere, for the
// columns each caller selects (st is the state, i the item).
const starredElsewhereFrom = ` FROM item_states st JOIN items i ON i.id = st.item_id
	WHERE st.user_id = $1 AND st.starred AND NOT st.read
	AND (i.feed_id IS NULL OR NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = $1 AND s.feed_id = i.feed_id))`

// unreadSetQuery returns the query of the ids of the user's unread items
// in ID order, bounded by AfterID and BeforeID and nothing else, or "" for
// any other query: the user's range of unread_items, read along its key
// and stopped by the limit, merged with the few unread starred items of
// feeds they left.
func unreadSetQuery(userID int64, q store.Query) (string, params) {
	if !q.Unread || !q.ByID || q.Read || q.Starred || q.Search != "" || q.FeedID != 0 || q.FeedURL != "" ||
		q.Tag != "" || !q.Since.IsZero() || !q.Until.IsZero() || q.IDs != nil {
		return "", nil
	}
	var p params
	p.add(userID)
	set, others := "SELECT u.item_id AS id FROM unread_items u WHERE u.user_id = $1", starredElsewhere
	if q.AfterID != 0 {
		n := p.add(q.AfterID)
		set += " AND u.item_id > " + n
		others += " AND st.item_id > " + n
	}
	if q.BeforeID != 0 {
		n := p.add(q.BeforeID)
		set += " AND u.item_id < " + n
		others += " AND st.item_id < " + n
	}
	order := " ORDER BY id DESC"
	if q.Oldest {
		order = " ORDER BY id"
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + p.add(q.Limit)
	}
	// Each part ordered and limited on its own: the planner merges a
	// UNION ALL in order only when it sees fit, and otherwise sorts every
	// unread row of the user for the first few.
	return "(" + set + order + limit + ") UNION ALL (" + others + order + limit + ")" + order + limit, p
}

// unreadByDate returns the query of the ids (id) and dates (published) of
// a page of the user's unread items by date, newest or oldest first, with
// q's cursor, at most limit of them, for an unread listing by date without
// a search, of every feed; ok is false for any other query (a feed's or a
// tag's walk the feeds' date index, where the join below was planned from
// every unread item of the user). It is the user's unread_items
// joined to their items, and the few unread starred items of feeds they
// left (starredElsewhere), each ordered and limited, then merged: a walk
// of the items' date index that stops at the limit, or, when the unread
// items are few among the items walked, a probe of the items' id index
// (0008, its dates in it) for each unread item, and no more, where the
// anti-join of the read states probed every item walked, read or not, and
// its row.
func unreadByDate(userID int64, q store.Query, limit int) (string, params, bool) {
	o := orderOf(q)
	if !q.Unread || q.Read || (o != newest && o != oldest) || q.Starred || q.FeedURL != "" || q.IDs != nil || limit <= 0 ||
		q.FeedID != 0 || q.Tag != "" {
		return "", nil, false
	}
	f := q
	f.Unread = false
	sel := selectItems(userID, f)
	if sel.err != nil || sel.none {
		return "", nil, false
	}
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor, o)
		if err != nil {
			return "", nil, false
		}
		sel.after(c)
	}
	// where[0] is visible: the two parts are the user's items.
	conds := ""
	for _, w := range sel.where[1:] {
		conds += " AND " + w
	}
	order := " ORDER BY published DESC, id DESC"
	inner := " ORDER BY i.published DESC, i.id DESC"
	if o == oldest {
		order, inner = " ORDER BY published, id", " ORDER BY i.published, i.id"
	}
	lim := " LIMIT " + sel.p.add(limit)
	set := "SELECT i.id, i.published FROM unread_items u JOIN items i ON i.id = u.item_id WHERE u.user_id = $1" + conds
	others := "SELECT i.id, i.published" + starredElsewhereFrom + conds
	return "(" + set + inner + lim + ") UNION ALL (" + others + inner + lim + ")" + order + lim, sel.p, true
}

// CountItems counts the user's items that q selects (Limit, Cursor and
// order ignored).
func (db *DB) CountItems(ctx context.Context, userID int64, q store.Query) (int, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if query, args, ok := keptCount(userID, q); ok {
		var n int
		if err := db.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("count items: %w", db.QueryTimeoutError(ctx, err))
		}
		if n == 0 {
			return 0, db.userOr(ctx, userID, "count items")
		}
		return n, nil
	}
	sel := selectItems(userID, q)
	if sel.err != nil {
		return 0, fmt.Errorf("count items: %w", sel.err)
	}
	if sel.none {
		return 0, db.userOr(ctx, userID, "count items")
	}
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT count(*)"+idFrom+whereClause(sel.where), sel.p...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count items: %w", db.QueryTimeoutError(ctx, err))
	}
	if n == 0 {
		return 0, db.userOr(ctx, userID, "count items")
	}
	return n, nil
}

// keptCount returns the query that counts the user's ($1) items that q
// selects from the kept counts (feeds.item_count, subscriptions.read_count)
// rather than from the items, when q filters by feed, tag and read state
// alone; ok is false for any other query. The user's items are those of
// their subscriptions, counted from the kept counts, and the starred items
// of feeds they do not follow, counted one by one (few: what they starred
// before they left a feed).
func keptCount(userID int64, q store.Query) (query string, args params, ok bool) {
	if q.FeedURL != "" || q.Starred || (q.Unread && q.Read) || q.Search != "" || !q.Since.IsZero() ||
		!q.Until.IsZero() || q.AfterID != 0 || q.BeforeID != 0 || q.IDs != nil {
		return "", nil, false
	}
	kept, state := "f.item_count", ""
	switch {
	case q.Unread:
		kept, state = "f.item_count - s.read_count", " AND NOT st.read"
	case q.Read:
		kept, state = "s.read_count", " AND st.read"
	}
	args.add(userID)
	subs, starred := "s.user_id = $1", "st.user_id = $1 AND st.starred"+state
	if q.FeedID != 0 {
		id := args.add(q.FeedID)
		subs += " AND s.feed_id = " + id
		starred += " AND i.feed_id = " + id
	}
	others := `(SELECT count(*) FROM item_states st JOIN items i ON i.id = st.item_id WHERE ` + starred + `
		AND (i.feed_id IS NULL OR i.feed_id NOT IN (SELECT feed_id FROM subscriptions WHERE user_id = $1)))`
	if q.Tag != "" {
		// A tag is a subscription's: starred items of feeds the user does
		// not follow have none.
		subs += ` AND s.id IN (SELECT x.subscription_id FROM subscription_tags x JOIN tags t ON t.id = x.tag_id
			WHERE t.user_id = $1 AND t.name = ` + args.add(text(store.NormalizeTag(q.Tag))) + `)`
		others = "0"
	}
	return `SELECT (coalesce((SELECT sum(` + kept + `) FROM subscriptions s JOIN feeds f ON f.id = s.feed_id
		WHERE ` + subs + `), 0) + ` + others + `)::bigint`, args, true
}

// Item returns one of the user's items by ID, or an error wrapping
// store.ErrNotFound if the user may not read it.
func (db *DB) Item(ctx context.Context, userID, id int64) (store.Item, error) {
	it, err := scanItem(db.pool.QueryRow(ctx, "SELECT "+itemColumns+itemFrom+" WHERE i.id = $2 AND "+visible, userID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		if err := db.userOr(ctx, userID, "item "+strconv.FormatInt(id, 10)); err != nil {
			return store.Item{}, err
		}
		return store.Item{}, fmt.Errorf("item %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Item{}, fmt.Errorf("item %d: %w", id, err)
	}
	return it, nil
}

// mine selects those of the ids ($2) that are the user's ($1) items.
const mine = `mine AS (SELECT i.id FROM items i WHERE i.id = ANY($2) AND (
	EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = $1 AND s.feed_id = i.feed_id) OR
	EXISTS (SELECT 1 FROM item_states st WHERE st.user_id = $1 AND st.item_id = i.id AND st.starred)))`

// The statements of SetRead and SetStarred: $1 the user, $2 the ids, $3
// the time. A state row exists only for an item read or starred, so
// clearing one flag deletes the rows without the other.
const (
	setReadSQL = `WITH ` + mine + `,
		up AS (INSERT INTO item_states (user_id, item_id, read) SELECT $1, id, true FROM mine
			ON CONFLICT (user_id, item_id) DO UPDATE SET read = true WHERE NOT item_states.read RETURNING 1)
		SELECT count(*) FROM mine`
	setUnreadSQL = `WITH ` + mine + `,
		del AS (DELETE FROM item_states st USING mine
			WHERE st.user_id = $1 AND st.item_id = mine.id AND NOT st.starred RETURNING 1),
		up AS (UPDATE item_states st SET read = false FROM mine
			WHERE st.user_id = $1 AND st.item_id = mine.id AND st.starred AND st.read RETURNING 1)
		SELECT count(*) FROM mine`
	setStarredSQL = `WITH ` + mine + `,
		up AS (INSERT INTO item_states (user_id, item_id, starred, starred_at) SELECT $1, id, true, $3 FROM mine
			ON CONFLICT (user_id, item_id) DO UPDATE SET starred = true, starred_at = $3
			WHERE NOT item_states.starred RETURNING 1)
		SELECT count(*) FROM mine`
	setUnstarredSQL = `WITH ` + mine + `,
		del AS (DELETE FROM item_states st USING mine
			WHERE st.user_id = $1 AND st.item_id = mine.id AND NOT st.read RETURNING 1),
		up AS (UPDATE item_states st SET starred = false, starred_at = NULL FROM mine
			WHERE st.user_id = $1 AND st.item_id = mine.id AND st.starred AND st.read RETURNING 1)
		SELECT count(*) FROM mine`
)

// SetRead marks the user's items read or unread; it returns how many of
// ids are the user's items.
func (db *DB) SetRead(ctx context.Context, userID int64, ids []int64, read bool) (int, error) {
	query := setUnreadSQL
	if read {
		query = setReadSQL
	}
	n, err := db.setState(ctx, query, userID, ids)
	if err != nil {
		return 0, fmt.Errorf("mark items read: %w", err)
	}
	return n, nil
}

// SetStarred stars or unstars the user's items; it returns how many of
// ids are the user's items.
func (db *DB) SetStarred(ctx context.Context, userID int64, ids []int64, starred bool) (int, error) {
	query := setUnstarredSQL
	if starred {
		query = setStarredSQL
	}
	n, err := db.setState(ctx, query, userID, ids)
	if err != nil {
		return 0, fmt.Errorf("star items: %w", err)
	}
	return n, nil
}

func (db *DB) setState(ctx context.Context, query string, userID int64, ids []int64) (int, error) {
	var n int
	if len(ids) > 0 {
		err := retry(func() error {
			args := []any{userID, ids}
			if strings.Contains(query, "$3") {
				args = append(args, ts(time.Now()))
			}
			return db.pool.QueryRow(ctx, query, args...).Scan(&n)
		})
		if err != nil {
			return 0, err
		}
	}
	if n == 0 {
		if err := checkUser(ctx, db.pool, userID); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// MarkAllRead marks every unread item of the user that q selects read
// (Limit, Cursor and order ignored; Search applies) and returns how many
// changed.
func (db *DB) MarkAllRead(ctx context.Context, userID int64, q store.Query) (int, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	q.Unread = true
	sel := selectItems(userID, q)
	if sel.err != nil {
		return 0, fmt.Errorf("mark all read: %w", sel.err)
	}
	if sel.none {
		return 0, db.userOr(ctx, userID, "mark all read")
	}
	var n int64
	err := retry(func() error {
		tag, err := db.pool.Exec(ctx, `INSERT INTO item_states (user_id, item_id, read)
			SELECT $1, i.id, true`+idFrom+whereClause(sel.where)+`
			ON CONFLICT (user_id, item_id) DO UPDATE SET read = true WHERE NOT item_states.read`, sel.p...)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", db.QueryTimeoutError(ctx, err))
	}
	if n == 0 {
		return 0, db.userOr(ctx, userID, "mark all read")
	}
	return int(n), nil
}

// prunable selects the items Prune deletes ($1 the cutoff): those
// published before it that nobody starred and every subscriber of their
// feed has read, and the kept items (of a removed feed) nobody stars.
const prunable = ` FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_states st WHERE st.item_id = i.id AND st.starred)
	AND (i.feed_id IS NULL OR (i.published < $1 AND NOT EXISTS (SELECT 1 FROM subscriptions s
		WHERE s.feed_id = i.feed_id AND NOT EXISTS (SELECT 1 FROM item_states st
			WHERE st.user_id = s.user_id AND st.item_id = i.id AND st.read))))`

// Prune deletes the prunable items, leaving a tombstone (feed, guid, url,
// content hash) for each of a feed so they never come back as new, and
// recounts the feeds' items and their subscribers' read items. With
// dryRun it only counts. It returns the number of items.
func (db *DB) Prune(ctx context.Context, cutoff time.Time, dryRun bool) (int, error) {
	var n int
	if dryRun {
		if err := db.pool.QueryRow(ctx, "SELECT count(*)"+prunable, ts(cutoff)).Scan(&n); err != nil {
			return 0, fmt.Errorf("prune items: %w", err)
		}
		return n, nil
	}
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var feeds []int64
		err := tx.QueryRow(ctx, `WITH pruned AS (DELETE FROM items WHERE id IN (SELECT i.id`+prunable+`)
				RETURNING feed_id, guid, url, content_hash),
			tombs AS (INSERT INTO tombstones (feed_id, guid, url, content_hash, pruned_at)
				SELECT feed_id, guid, url, content_hash, $2 FROM pruned WHERE feed_id IS NOT NULL),
			per AS (SELECT feed_id, count(*) AS n FROM pruned WHERE feed_id IS NOT NULL GROUP BY feed_id),
			counted AS (UPDATE feeds f SET item_count = f.item_count - per.n FROM per WHERE f.id = per.feed_id)
			SELECT (SELECT count(*) FROM pruned), ARRAY(SELECT feed_id FROM per ORDER BY feed_id)`,
			ts(cutoff), ts(time.Now())).Scan(&n, &feeds)
		if err != nil || len(feeds) == 0 {
			return err
		}
		// The subscribers' read counts, recounted under their row locks,
		// which the read-count triggers of other transactions wait for.
		if _, err := tx.Exec(ctx, "SELECT 1 FROM subscriptions WHERE feed_id = ANY($1) ORDER BY id FOR UPDATE", feeds); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE subscriptions s SET read_count = (SELECT count(*) FROM items i
			JOIN item_states st ON st.user_id = s.user_id AND st.item_id = i.id AND st.read
			WHERE i.feed_id = s.feed_id) WHERE s.feed_id = ANY($1)`, feeds)
		return err
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
	if _, err := db.pool.Exec(ctx, "VACUUM (ANALYZE) feeds, items, tombstones, subscriptions, item_states, unread_items, tags, subscription_tags",
		pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("optimize database: %w", diskFull(err))
	}
	return nil
}
