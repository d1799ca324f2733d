package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

var _ store.AppStore = (*DB)(nil)

// SubscriptionsOf returns the user's subscriptions to the feeds with these
// IDs, with counts, by URL; the others are left out.
func (db *DB) SubscriptionsOf(ctx context.Context, userID int64, feedIDs []int64) ([]store.Subscription, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", db.QueryTimeoutError(ctx, err))
	}
	out := []store.Subscription{}
	if len(feedIDs) == 0 {
		return out, nil
	}
	subs, err := querySubs(ctx, db.pool, "SELECT "+subColumns+subFrom+
		` WHERE s.user_id = $1 AND s.feed_id = ANY($2) ORDER BY f.url COLLATE "C"`, userID, feedIDs)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", db.QueryTimeoutError(ctx, err))
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
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.name FROM tags t WHERE t.user_id = $1
		AND EXISTS (SELECT 1 FROM subscription_tags x WHERE x.tag_id = t.id)`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	out := map[string]int64{}
	var (
		id   int64
		name string
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[name] = id; return nil }); err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	return out, nil
}

// newestStoredSQL is, for each of the user's ($1) subscriptions, the
// first_seen of its feed's item with the greatest ID. A feed with one of
// the newest recentItems items has its greatest ID among them (the
// primary key walked down from the newest); only the others read their
// feed's index, every entry of it: no index has the ID right after
// feed_id. The "+ 0" keeps the planner from finding those by walking the
// primary key down, which for a feed without recent items walks most of
// the table.
const newestStoredSQL = `WITH recent AS MATERIALIZED (SELECT r.feed_id, max(r.id) AS id
	FROM (SELECT feed_id, id FROM items ORDER BY id DESC LIMIT $2) r GROUP BY r.feed_id)
	SELECT n.feed_id, i.first_seen FROM (SELECT s.feed_id,
	coalesce((SELECT r.id FROM recent r WHERE r.feed_id = s.feed_id),
		(SELECT max(x.id + 0) FROM items x WHERE x.feed_id = s.feed_id)) AS id
	FROM subscriptions s WHERE s.user_id = $1) n JOIN items i ON i.id = n.id`

// recentItems is how many of the newest items NewestStored walks before
// it reads the feeds' indexes: days of items for a thousand feeds. Tests
// lower it to read both ways.
var recentItems = 10000

// NewestStored returns when the newest item of each of the user's feeds
// was stored, by feed ID, in one query.
func (db *DB) NewestStored(ctx context.Context, userID int64) (map[int64]time.Time, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
	}
	rows, err := db.pool.Query(ctx, newestStoredSQL, userID, recentItems)
	if err != nil {
		return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
	}
	out := map[int64]time.Time{}
	var (
		feedID    int64
		firstSeen pgtype.Timestamptz
	)
	if _, err := pgx.ForEachRow(rows, []any{&feedID, &firstSeen}, func() error {
		out[feedID] = fromTS(firstSeen)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find the newest items: %w", db.QueryTimeoutError(ctx, err))
	}
	return out, nil
}

// The probes of LastStoredBefore: the user's ($1) newest item by ID, and
// their first item from an ID on, along the primary key.
const (
	newestProbeSQL = `SELECT i.id, i.first_seen FROM items i WHERE ` + visible + ` ORDER BY i.id DESC LIMIT 1`
	firstProbeSQL  = `SELECT i.id, i.first_seen FROM items i WHERE i.id >= $2 AND ` + visible + ` ORDER BY i.id LIMIT 1`
)

// LastStoredBefore returns the ID of the user's last item stored before t
// (store.SearchStored over the user's items), in one read-only
// transaction.
func (db *DB) LastStoredBefore(ctx context.Context, userID int64, t time.Time) (int64, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return 0, fmt.Errorf("find items by time: %w", db.QueryTimeoutError(ctx, err))
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, fmt.Errorf("find items by time: %w", db.QueryTimeoutError(ctx, err))
	}
	defer tx.Rollback(ctx)
	probe := func(query string, args ...any) (store.ProbedItem, bool, error) {
		var p store.ProbedItem
		var firstSeen pgtype.Timestamptz
		err := tx.QueryRow(ctx, query, args...).Scan(&p.ID, &firstSeen)
		if errors.Is(err, pgx.ErrNoRows) {
			return p, false, nil
		}
		if err != nil {
			return p, false, err
		}
		p.FirstSeen = fromTS(firstSeen)
		return p, true, nil
	}
	last, err := store.SearchStored(t,
		func() (store.ProbedItem, bool, error) { return probe(newestProbeSQL, userID) },
		func(id int64) (store.ProbedItem, bool, error) { return probe(firstProbeSQL, userID, id) })
	if err != nil {
		return 0, fmt.Errorf("find items by time: %w", db.QueryTimeoutError(ctx, err))
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("find items by time: %w", db.QueryTimeoutError(ctx, err))
	}
	return last, nil
}

// SubscriptionTotals returns the latest fetch of the user's feeds and the
// sums of their kept item and unread counts, in one row.
func (db *DB) SubscriptionTotals(ctx context.Context, userID int64) (store.SubscriptionTotals, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	if err := checkUser(ctx, db.pool, userID); err != nil {
		return store.SubscriptionTotals{}, fmt.Errorf("sum up feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	var last pgtype.Timestamptz
	var t store.SubscriptionTotals
	if err := db.pool.QueryRow(ctx, `SELECT max(f.last_fetch), coalesce(sum(f.item_count), 0),
		coalesce(sum(f.item_count - s.read_count), 0)
		FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = $1`, userID).Scan(&last, &t.Items, &t.Unread); err != nil {
		return store.SubscriptionTotals{}, fmt.Errorf("sum up feeds: %w", db.QueryTimeoutError(ctx, err))
	}
	t.LastFetch = fromTS(last)
	return t, nil
}
