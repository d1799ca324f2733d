package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"tidings/store"
)

// DefaultLease is the lease ClaimFeeds uses when the request gives none.
const DefaultLease = 10 * time.Minute

// claimMode is which feeds a claim selects.
type claimMode int

const (
	claimDue claimMode = iota
	claimAll
	claimURLs
	claimIDs
	claimUser // all of one user's feeds
)

// claimSQL is the one statement of a claim: ?1 the URLs or IDs (JSON),
// ?2 now, ?3 the lease's end, ?4 the limit (-1 for none), ?5 the user.
func claimSQL(mode claimMode) string {
	var where string
	switch mode {
	case claimURLs:
		where = `(url IN (SELECT value FROM json_each(?1)) OR
			(fetch_url <> '' AND fetch_url IN (SELECT value FROM json_each(?1))) OR
			(moved_from <> '' AND moved_from IN (SELECT value FROM json_each(?1))))
			AND not_before <= ?2 AND claimed_until <= ?2`
	case claimIDs:
		where = `id IN (SELECT value FROM json_each(?1)) AND not_before <= ?2 AND claimed_until <= ?2`
	case claimAll:
		where = `gone = 0 AND not_before <= ?2 AND claimed_until <= ?2`
	case claimUser:
		where = `gone = 0 AND not_before <= ?2 AND claimed_until <= ?2
			AND id IN (SELECT feed_id FROM subscriptions WHERE user_id = ?5)`
	default:
		where = `gone = 0 AND next_due <= ?2 AND not_before <= ?2 AND claimed_until <= ?2`
	}
	return `UPDATE feeds SET claimed_until = ?3
		WHERE id IN (SELECT id FROM feeds WHERE ` + where + ` ORDER BY next_due, id LIMIT ?4)
		RETURNING ` + feedColumns
}

const releaseSQL = "UPDATE feeds SET claimed_until = 0 WHERE id IN (SELECT value FROM json_each(?))"

// ClaimFeeds leases feeds for fetching, in one statement of one IMMEDIATE
// transaction, so no two callers (goroutines or processes) get one feed.
// Without URLs or All it claims due feeds: NextDue and NotBefore passed, not
// gone, not leased, earliest due first. All claims every feed that is not
// gone and not leased; URLs claims the named feeds (by URL or FetchURL),
// gone ones included, unless leased. No mode claims a feed before its
// NotBefore. A zero Lease means DefaultLease; a zero Now, the current time.
func (db *DB) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	if r.Lease <= 0 {
		r.Lease = DefaultLease
	}
	now := toMillis(r.Now)
	until := toMillis(r.Now.Add(r.Lease))
	limit := int64(-1) // SQLite: no limit
	if r.Limit > 0 {
		limit = int64(r.Limit)
	}
	mode, list := claimDue, any(nil)
	switch {
	case len(r.URLs) > 0:
		mode, list = claimURLs, jsonList(r.URLs)
	case len(r.IDs) > 0:
		mode, list = claimIDs, jsonList(r.IDs)
	case r.All && r.UserID != 0:
		mode = claimUser
	case r.All:
		mode = claimAll
	}

	var feeds []store.Feed
	err := db.tx(ctx, func(tx *sql.Tx) error {
		st, err := db.txStmt(ctx, tx, claimSQL(mode))
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, list, now, until, limit, r.UserID)
		if err != nil {
			return err
		}
		if feeds, err = scanFeeds(rows); err != nil || len(feeds) == 0 {
			return err
		}
		ptrs := make([]*store.Feed, len(feeds))
		for i := range feeds {
			ptrs[i] = &feeds[i]
		}
		return loadSchedules(ctx, tx, ptrs)
	})
	if err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	// RETURNING gives rows in no promised order.
	sort.Slice(feeds, func(i, j int) bool {
		a, b := feeds[i].State.NextDue, feeds[j].State.NextDue
		if !a.Equal(b) {
			return a.Before(b)
		}
		return feeds[i].ID < feeds[j].ID
	})
	return feeds, nil
}

// Release ends the claims on these feeds without saving anything.
func (db *DB) Release(ctx context.Context, feedIDs []int64) error {
	if len(feedIDs) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		st, err := db.txStmt(ctx, tx, releaseSQL)
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, jsonList(feedIDs))
		return err
	})
	if err != nil {
		return fmt.Errorf("release feeds: %w", err)
	}
	return nil
}

// NextDue returns the earliest NextDue of the feeds that are not gone and
// not leased (their claim, if any, ended before now), or the zero time when
// there are none. A feed never fetched and without a NextDue is due since
// it was added, so its CreatedAt counts. Leased feeds are left out: they
// are being fetched, and their past due time would tell a scheduler there
// is work when there is none.
func (db *DB) NextDue(ctx context.Context) (time.Time, error) {
	now := toMillis(time.Now())
	var min sql.NullInt64
	if err := db.read.QueryRowContext(ctx,
		"SELECT min(next_due) FROM feeds WHERE gone = 0 AND claimed_until <= ?", now).Scan(&min); err != nil {
		return time.Time{}, fmt.Errorf("next due feed: %w", err)
	}
	if !min.Valid {
		return time.Time{}, nil
	}
	if min.Int64 == 0 {
		if err := db.read.QueryRowContext(ctx,
			"SELECT min(created_at) FROM feeds WHERE gone = 0 AND next_due = 0 AND claimed_until <= ?", now).Scan(&min); err != nil {
			return time.Time{}, fmt.Errorf("next due feed: %w", err)
		}
	}
	return fromMillis(min.Int64), nil
}

// feedStatsSQL counts feeds by state: ?1 now, ?2 the overdue cutoff (now
// less the overdue delay), both in milliseconds.
const feedStatsSQL = `SELECT
	count(*),
	coalesce(sum(gone), 0),
	coalesce(sum(gone = 0 AND error_count > 0), 0),
	coalesce(sum(gone = 0 AND not_before <= ?1 AND
		(CASE WHEN next_due = 0 THEN created_at ELSE next_due END) <= ?1), 0),
	coalesce(sum(gone = 0 AND not_before <= ?1 AND
		(CASE WHEN next_due = 0 THEN created_at ELSE next_due END) < ?2), 0)
	FROM feeds`

// FeedStats counts the feeds by state at now in one query: a due feed is
// overdue when its due time is more than overdueAfter before now.
func (db *DB) FeedStats(ctx context.Context, now time.Time, overdueAfter time.Duration) (store.FeedStats, error) {
	var n store.FeedStats
	err := db.read.QueryRowContext(ctx, feedStatsSQL, toMillis(now), toMillis(now.Add(-overdueAfter))).
		Scan(&n.Feeds, &n.Gone, &n.Failing, &n.Due, &n.Overdue)
	if err != nil {
		return store.FeedStats{}, fmt.Errorf("count feeds: %w", err)
	}
	return n, nil
}
