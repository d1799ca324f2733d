package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

// DefaultLease is the lease ClaimFeeds uses when the request gives none.
const DefaultLease = 10 * time.Minute

// dueOrder is the order feeds are claimed in, never-scheduled ones first;
// the feeds_due index is on the same expression.
const dueOrder = "coalesce(f.next_due, '-infinity'::timestamptz)"

// ClaimFeeds leases feeds for fetching in one statement: it locks the
// feeds it picks with FOR UPDATE SKIP LOCKED, so concurrent claimants, in
// this process or another, pass over each other's feeds instead of waiting
// or taking them twice, and sets their lease in the same statement.
//
// Without URLs, IDs or All it claims due feeds: NextDue and NotBefore
// passed, not gone, not leased, earliest due first. All claims every feed
// that is not gone and not leased (with UserID, of those the user
// subscribes to); URLs claims the named feeds (by URL, FetchURL or
// MovedFrom), and
// IDs the feeds with these IDs, gone ones included, unless leased. No mode claims a feed
// before its NotBefore. A zero Lease means DefaultLease; a zero Now, the
// current time. The feeds come back earliest due first, with their
// Schedules.
func (db *DB) ClaimFeeds(ctx context.Context, r store.ClaimRequest) ([]store.Feed, error) {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	if r.Lease <= 0 {
		r.Lease = DefaultLease
	}
	var p params
	now := p.add(ts(r.Now))
	until := p.add(ts(r.Now.Add(r.Lease)))
	limit := pgtype.Int8{} // NULL: LIMIT ALL
	if r.Limit > 0 {
		limit = pgtype.Int8{Int64: int64(r.Limit), Valid: true}
	}
	var where string
	switch {
	case len(r.URLs) > 0:
		urls := make([]string, len(r.URLs))
		for i, u := range r.URLs {
			urls[i] = text(u)
		}
		list := p.add(urls)
		where = "(f.url = ANY(" + list + ") OR (f.fetch_url <> '' AND f.fetch_url = ANY(" + list + ")) OR (f.moved_from <> '' AND f.moved_from = ANY(" + list + ")))"
	case len(r.IDs) > 0:
		where = "f.id = ANY(" + p.add(r.IDs) + ")"
	case r.All && r.UserID != 0:
		where = "NOT f.gone AND f.id IN (SELECT s.feed_id FROM subscriptions s WHERE s.user_id = " + p.add(r.UserID) + ")"
	case r.All:
		where = "NOT f.gone"
	default:
		where = "NOT f.gone AND " + dueOrder + " <= " + now
	}
	where += " AND (f.not_before IS NULL OR f.not_before <= " + now + ")" +
		" AND (f.claimed_until IS NULL OR f.claimed_until <= " + now + ")"
	// MATERIALIZED: the locking subquery runs once, whatever plan the
	// UPDATE gets, so LIMIT holds. A row another claimant changed since
	// this statement's snapshot is checked again against the conditions
	// once its lock is free, so a feed just leased elsewhere is passed over.
	query := `WITH claimable AS MATERIALIZED (
		SELECT f.id FROM feeds f WHERE ` + where + `
		ORDER BY ` + dueOrder + `, f.id LIMIT ` + p.add(limit) + `
		FOR UPDATE SKIP LOCKED)
	UPDATE feeds f SET claimed_until = ` + until + ` FROM claimable c WHERE f.id = c.id
	RETURNING ` + feedColumns

	var feeds []store.Feed
	err := db.retry(func() error {
		var err error
		feeds, err = queryFeeds(ctx, db.pool, query, p...)
		return err
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
	err := db.retry(func() error {
		_, err := db.pool.Exec(ctx, "UPDATE feeds SET claimed_until = NULL WHERE id = ANY($1)", feedIDs)
		return err
	})
	if err != nil {
		return fmt.Errorf("release feeds: %w", err)
	}
	return nil
}

// NextDue returns the earliest NextDue of the feeds that are not gone and
// not leased (their claim, if any, ended before now), or the zero time when
// there are none. A feed never scheduled is due since it was added, so its
// CreatedAt counts. Leased feeds are left out: they are being fetched, and
// their past due time would tell a scheduler there is work when there is
// none.
func (db *DB) NextDue(ctx context.Context) (time.Time, error) {
	now := ts(time.Now())
	const unleased = "(f.claimed_until IS NULL OR f.claimed_until <= $1)"
	var next pgtype.Timestamptz
	err := db.pool.QueryRow(ctx, "SELECT "+dueOrder+" FROM feeds f WHERE NOT f.gone AND "+unleased+
		" ORDER BY "+dueOrder+" LIMIT 1", now).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("next due feed: %w", err)
	}
	if next.InfinityModifier == pgtype.NegativeInfinity {
		if err := db.pool.QueryRow(ctx, "SELECT min(f.created_at) FROM feeds f WHERE NOT f.gone AND f.next_due IS NULL AND "+unleased,
			now).Scan(&next); err != nil {
			return time.Time{}, fmt.Errorf("next due feed: %w", err)
		}
	}
	return fromTS(next), nil
}

// feedStatsSQL counts feeds by state: $1 now, $2 the overdue cutoff (now
// less the overdue delay).
const feedStatsSQL = `SELECT
	count(*),
	count(*) FILTER (WHERE gone),
	count(*) FILTER (WHERE NOT gone AND error_count > 0),
	count(*) FILTER (WHERE NOT gone AND coalesce(not_before, '-infinity') <= $1 AND
		coalesce(next_due, created_at) <= $1),
	count(*) FILTER (WHERE NOT gone AND coalesce(not_before, '-infinity') <= $1 AND
		coalesce(next_due, created_at) < $2)
	FROM feeds`

// FeedStats counts the feeds by state at now in one query: a due feed is
// overdue when its due time is more than overdueAfter before now.
func (db *DB) FeedStats(ctx context.Context, now time.Time, overdueAfter time.Duration) (store.FeedStats, error) {
	var total, gone, failing, due, overdue int64
	err := db.pool.QueryRow(ctx, feedStatsSQL, ts(now), ts(now.Add(-overdueAfter))).
		Scan(&total, &gone, &failing, &due, &overdue)
	if err != nil {
		return store.FeedStats{}, fmt.Errorf("count feeds: %w", err)
	}
	return store.FeedStats{Feeds: int(total), Gone: int(gone), Failing: int(failing), Due: int(due), Overdue: int(overdue)}, nil
}
