package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"tidings/store"
)

var _ store.AppStore = (*DB)(nil)

// SubscriptionsOf returns the user's subscriptions to the feeds with these
// IDs, with counts, by URL; the others are left out.
func (db *DB) SubscriptionsOf(ctx context.Context, userID int64, feedIDs []int64) ([]store.Subscription, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	out := []store.Subscription{}
	if len(feedIDs) == 0 {
		return out, nil
	}
	var subs []sub
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		subs, err = querySubs(ctx, tx, "s.user_id = ? AND s.feed_id IN (SELECT value FROM json_each(?))", userID, jsonList(feedIDs))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	for _, s := range subs {
		out = append(out, s.Subscription)
	}
	return out, nil
}

// TagIDs returns the IDs of the user's tags that a subscription has, by
// name.
func (db *DB) TagIDs(ctx context.Context, userID int64) (map[string]int64, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.read.QueryContext(ctx, `SELECT t.id, t.name FROM tags t WHERE t.user_id = ?
		AND EXISTS (SELECT 1 FROM subscription_tags st WHERE st.tag_id = t.id)`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
		}
		out[name] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	return out, nil
}

// newestStoredSQL is, for each of the user's (?1) subscriptions, the
// first_seen of its feed's item with the greatest ID. A feed with one of
// the newest recentItems items has its greatest ID among them (the items
// walked down from the newest ID); only the others read their feed's
// index, every entry of it: no index has the ID right after feed_id.
const newestStoredSQL = `WITH recent AS MATERIALIZED (SELECT feed_id, max(id) AS id
	FROM (SELECT feed_id, id FROM items ORDER BY id DESC LIMIT ?2) GROUP BY feed_id)
	SELECT n.feed_id, i.first_seen FROM (SELECT s.feed_id,
	coalesce((SELECT r.id FROM recent r WHERE r.feed_id = s.feed_id),
		(SELECT max(x.id) FROM items x WHERE x.feed_id = s.feed_id)) AS id
	FROM subscriptions s WHERE s.user_id = ?1) n JOIN items i ON i.id = n.id`

// recentItems is how many of the newest items NewestStored walks before
// it reads the feeds' indexes: days of items for a thousand feeds. Tests
// lower it to read both ways.
var recentItems = 10000

// NewestStored returns when the newest item of each of the user's feeds
// was stored, by feed ID, in one query.
func (db *DB) NewestStored(ctx context.Context, userID int64) (map[int64]time.Time, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.read.QueryContext(ctx, newestStoredSQL, userID, recentItems)
	if err != nil {
		return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var feedID, firstSeen int64
		if err := rows.Scan(&feedID, &firstSeen); err != nil {
			return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
		}
		out[feedID] = fromMillis(firstSeen)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
	}
	return out, nil
}

// The probes of LastStoredBefore: the user's (?1) newest item by ID, and
// their first item from an ID on, walking the items' rowid.
const (
	newestProbeSQL = `SELECT i.id, i.first_seen FROM items i WHERE ` + visible + ` ORDER BY i.id DESC LIMIT 1`
	firstProbeSQL  = `SELECT i.id, i.first_seen FROM items i WHERE i.id >= ?2 AND ` + visible + ` ORDER BY i.id LIMIT 1`
)

// LastStoredBefore returns the ID of the user's last item stored before t
// (store.SearchStored over the user's items), in one read transaction.
func (db *DB) LastStoredBefore(ctx context.Context, userID int64, t time.Time) (int64, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return 0, fmt.Errorf("find items by time: %w", db.QueryTimeoutError(ctx, err))
	}
	var last int64
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		probe := func(query string, args ...any) (store.ProbedItem, bool, error) {
			var p store.ProbedItem
			var firstSeen int64
			err := tx.QueryRowContext(ctx, query, args...).Scan(&p.ID, &firstSeen)
			if errors.Is(err, sql.ErrNoRows) {
				return p, false, nil
			}
			if err != nil {
				return p, false, err
			}
			p.FirstSeen = fromMillis(firstSeen)
			return p, true, nil
		}
		var err error
		last, err = store.SearchStored(t,
			func() (store.ProbedItem, bool, error) { return probe(newestProbeSQL, userID) },
			func(id int64) (store.ProbedItem, bool, error) { return probe(firstProbeSQL, userID, id) })
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find items by time: %w", db.QueryTimeoutError(ctx, err))
	}
	return last, nil
}

// SubscriptionTotals returns the latest fetch of the user's feeds and the
// sums of their kept item and unread counts, in one row.
func (db *DB) SubscriptionTotals(ctx context.Context, userID int64) (store.SubscriptionTotals, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.read, userID); err != nil {
		return store.SubscriptionTotals{}, fmt.Errorf("sum up feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	var last int64
	var t store.SubscriptionTotals
	if err := db.read.QueryRowContext(ctx, `SELECT coalesce(max(f.last_fetch), 0), coalesce(sum(f.item_count), 0),
		coalesce(sum(f.item_count - s.read_count), 0)
		FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = ?`, userID).Scan(&last, &t.Items, &t.Unread); err != nil {
		return store.SubscriptionTotals{}, fmt.Errorf("sum up feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	t.LastFetch = fromMillis(last)
	return t, nil
}
