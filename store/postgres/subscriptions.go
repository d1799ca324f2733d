package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"tidings/store"
)

// tagsExpr is a subscription's tags (alias s), in their order.
const tagsExpr = `ARRAY(SELECT t.name FROM subscription_tags x JOIN tags t ON t.id = x.tag_id
	WHERE x.subscription_id = s.id ORDER BY x.pos)`

// subColumns are what scanSub reads: the feed (alias f) and the
// subscription (alias s), with its counts.
const subColumns = feedColumns + `, s.id, s.user_id, s.title, ` + tagsExpr + `, s.schedule, s.origin,
	s.config_file, s.config_line, f.item_count, f.item_count - s.read_count, s.created_at,
	s.prior_user, s.prior_title, s.prior_schedule, s.prior_tags, s.full_content`

const subFrom = " FROM subscriptions s JOIN feeds f ON f.id = s.feed_id"

// sub is a stored subscription with what only the store sees of it.
type sub struct {
	store.Subscription
	id int64
	// What a config subscription took over from the user's, if it did.
	priorUser                 bool
	priorTitle, priorSchedule string
	priorTags                 []string
}

func scanSub(row pgx.Row) (sub, error) {
	var (
		s         sub
		origin    string
		createdAt pgtype.Timestamptz
	)
	dest, finish := feedDest(&s.Feed)
	dest = append(dest, &s.id, &s.UserID, &s.UserTitle, &s.Tags, &s.Schedule, &origin, &s.ConfigFile,
		&s.ConfigLine, &s.Items, &s.Unread, &createdAt, &s.priorUser, &s.priorTitle, &s.priorSchedule, &s.priorTags,
		&s.FullContent)
	if err := row.Scan(dest...); err != nil {
		return sub{}, err
	}
	finish()
	if s.Tags == nil {
		s.Tags = []string{}
	}
	s.Origin = store.Origin(origin)
	s.SubscribedAt = fromTS(createdAt)
	return s, nil
}

func querySubs(ctx context.Context, q querier, query string, args ...any) ([]sub, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (sub, error) { return scanSub(r) })
}

// findSub returns the user's subscription to the feed whose URL or
// FetchURL (or else MovedFrom) is u; lock takes the subscription's row lock. It wraps
// store.ErrNotFound when there is none (or no such user).
func findSub(ctx context.Context, q querier, userID int64, u string, lock bool) (sub, error) {
	query := "SELECT " + subColumns + subFrom + " WHERE s.user_id = $2 AND " + byURLOrMoved + byURLFirst + " LIMIT 1"
	if lock {
		query += " FOR UPDATE OF s"
	}
	s, err := scanSub(q.QueryRow(ctx, query, text(u), userID))
	if errors.Is(err, pgx.ErrNoRows) {
		if err := checkUser(ctx, q, userID); err != nil {
			return sub{}, err
		}
		return sub{}, fmt.Errorf("feed %s: %w", u, store.ErrNotFound)
	}
	if err != nil {
		return sub{}, fmt.Errorf("subscription to %s: %w", u, err)
	}
	return s, nil
}

// subByID reads one subscription by its own ID.
func subByID(ctx context.Context, q querier, id int64) (sub, error) {
	return scanSub(q.QueryRow(ctx, "SELECT "+subColumns+subFrom+" WHERE s.id = $1", id))
}

// declared returns a *DeclaredError for a config subscription, else nil.
func declared(s sub) error {
	if s.Origin == store.OriginConfig {
		return &store.DeclaredError{URL: s.URL, File: s.ConfigFile, Line: s.ConfigLine}
	}
	return nil
}

// subscribe subscribes the user to s.URL, adding the feed (from s.Feed)
// when no feed has that URL, and returns the new subscription's ID, or
// false when the user subscribes to that feed already.
func subscribe(ctx context.Context, tx pgx.Tx, userID int64, s store.Subscription, now time.Time) (int64, bool, error) {
	feedID, err := feedFor(ctx, tx, s.Feed, now)
	if err != nil {
		return 0, false, err
	}
	if s.Origin == "" {
		s.Origin = store.OriginUser
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO subscriptions (user_id, feed_id, title, schedule, origin, config_file,
		config_line, created_at, full_content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (user_id, feed_id) DO NOTHING RETURNING id`,
		userID, feedID, text(strings.TrimSpace(s.UserTitle)), text(strings.TrimSpace(s.Schedule)), string(s.Origin),
		text(s.ConfigFile), s.ConfigLine, ts(now), s.FullContent).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" && strings.Contains(pe.ConstraintName, "user") {
			return 0, false, noUser(userID)
		}
		return 0, false, err
	}
	if err := setTags(ctx, tx, userID, id, s.Tags); err != nil {
		return 0, false, err
	}
	// The user may have read (starred) items of the feed already: kept
	// ones just taken back, or those of a feed they subscribe to again.
	if _, err := tx.Exec(ctx, `UPDATE subscriptions s SET read_count = (SELECT count(*) FROM items i
		JOIN item_states st ON st.user_id = s.user_id AND st.item_id = i.id AND st.read
		WHERE i.feed_id = s.feed_id) WHERE s.id = $1`, id); err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// setTags makes tags (cleaned) the subscription's, in their order. A tag
// name keeps its row, and so its ID, once the user has used it.
func setTags(ctx context.Context, tx pgx.Tx, userID, subID int64, tags []string) error {
	tags = cleanTags(tags)
	if _, err := tx.Exec(ctx, "DELETE FROM subscription_tags WHERE subscription_id = $1", subID); err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	// DO UPDATE, not DO NOTHING: RETURNING then gives the ID of a tag that
	// exists already, or that another transaction adds meanwhile. In name
	// order, so that two transactions lock the rows in the same order.
	_, err := tx.Exec(ctx, `WITH t AS (INSERT INTO tags (user_id, name)
			SELECT $1, n FROM unnest($3::text[]) n ORDER BY n COLLATE "C"
			ON CONFLICT (user_id, name) DO UPDATE SET name = excluded.name RETURNING id, name)
		INSERT INTO subscription_tags (subscription_id, tag_id, pos)
		SELECT $2, t.id, x.pos FROM unnest($3::text[]) WITH ORDINALITY x(name, pos) JOIN t ON t.name = x.name`,
		userID, subID, tags)
	return err
}

// Subscribe subscribes the user to s.URL (origin user unless set), adding
// the feed when no feed has that URL or FetchURL. It returns the stored
// subscription, or an error wrapping store.ErrExists if the user
// subscribes to it already.
func (db *DB) Subscribe(ctx context.Context, userID int64, s store.Subscription) (store.Subscription, error) {
	if err := checkURL(s.URL); err != nil {
		return store.Subscription{}, fmt.Errorf("add feed: %w", err)
	}
	var out sub
	err := db.tx(ctx, func(tx pgx.Tx) error {
		id, added, err := subscribe(ctx, tx, userID, s, time.Now())
		if err != nil {
			return err
		}
		if !added {
			return fmt.Errorf("add feed %s: %w", s.URL, store.ErrExists)
		}
		out, err = subByID(ctx, tx, id)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDiskFull) {
			return store.Subscription{}, err
		}
		return store.Subscription{}, fmt.Errorf("add feed %s: %w", s.URL, err)
	}
	return out.Subscription, nil
}

// EditSubscription changes a user subscription's title, schedule or tags.
// It returns an error wrapping store.ErrNotFound, or a *store.DeclaredError
// for a config subscription.
func (db *DB) EditSubscription(ctx context.Context, userID int64, u string, e store.FeedEdit) (store.Subscription, error) {
	var out sub
	err := db.tx(ctx, func(tx pgx.Tx) error {
		s, err := findSub(ctx, tx, userID, u, true)
		if err != nil {
			return err
		}
		if err := declared(s); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		if e.Title != nil {
			s.UserTitle = text(strings.TrimSpace(*e.Title))
		}
		if e.Schedule != nil {
			s.Schedule = text(strings.TrimSpace(*e.Schedule))
		}
		if _, err := tx.Exec(ctx, "UPDATE subscriptions SET title = $2, schedule = $3 WHERE id = $1",
			s.id, s.UserTitle, s.Schedule); err != nil {
			return fmt.Errorf("edit subscription to %s: %w", u, err)
		}
		if len(e.AddTags) > 0 || len(e.RemoveTags) > 0 {
			if err := setTags(ctx, tx, userID, s.id, editTags(s.Tags, e)); err != nil {
				return fmt.Errorf("edit subscription to %s: %w", u, err)
			}
		}
		out, err = subByID(ctx, tx, s.id)
		return err
	})
	if err != nil {
		return store.Subscription{}, err
	}
	return out.Subscription, nil
}

// editTags applies e's tag changes to tags: added ones after, removed
// ones (compared case-insensitively) out, even if also added.
func editTags(tags []string, e store.FeedEdit) []string {
	remove := make(map[string]bool)
	for _, t := range e.RemoveTags {
		remove[store.NormalizeTag(t)] = true
	}
	var out []string
	for _, t := range append(append([]string{}, tags...), e.AddTags...) {
		if !remove[store.NormalizeTag(t)] {
			out = append(out, t)
		}
	}
	return out
}

// Unsubscribe ends a user subscription: the user's read state of the
// feed's items goes (their starred items stay, readable by them), and when
// nobody subscribes to the feed any more, the feed and the items nobody
// starred go too. It returns an error wrapping store.ErrNotFound, or a
// *store.DeclaredError for a config subscription.
func (db *DB) Unsubscribe(ctx context.Context, userID int64, u string) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		s, err := findSub(ctx, tx, userID, u, true)
		if err != nil {
			return err
		}
		if err := declared(s); err != nil {
			// Unwrapped: its text already names the feed and what to do.
			return err
		}
		if err := unsubscribe(ctx, tx, s); err != nil {
			return fmt.Errorf("unsubscribe from %s: %w", u, err)
		}
		return nil
	})
}

// unsubscribe deletes a subscription, the user's read-only state of its
// items, and the feed if nobody else subscribes to it.
func unsubscribe(ctx context.Context, tx pgx.Tx, s sub) error {
	// The subscription first: the triggers of unread_items then find the
	// feed no longer followed and give the read items no unread rows, to
	// be deleted again with the subscription.
	if _, err := tx.Exec(ctx, "DELETE FROM subscriptions WHERE id = $1", s.id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM item_states st USING items i
		WHERE st.user_id = $1 AND st.item_id = i.id AND i.feed_id = $2 AND NOT st.starred`, s.UserID, s.ID); err != nil {
		return err
	}
	_, err := deleteFeedIfUnsubscribed(ctx, tx, s.ID)
	return err
}

// Subscription returns the user's subscription to the feed whose URL or
// FetchURL is u, with counts, or an error wrapping store.ErrNotFound.
func (db *DB) Subscription(ctx context.Context, userID int64, u string) (store.Subscription, error) {
	s, err := findSub(ctx, db.pool, userID, u, false)
	if err != nil {
		return store.Subscription{}, err
	}
	return s.Subscription, nil
}

// SubscriptionByID returns the user's subscription to the feed with that
// ID, with counts, or an error wrapping store.ErrNotFound.
func (db *DB) SubscriptionByID(ctx context.Context, userID, feedID int64) (store.Subscription, error) {
	s, err := scanSub(db.pool.QueryRow(ctx, "SELECT "+subColumns+subFrom+" WHERE s.user_id = $1 AND s.feed_id = $2",
		userID, feedID))
	if errors.Is(err, pgx.ErrNoRows) {
		if err := checkUser(ctx, db.pool, userID); err != nil {
			return store.Subscription{}, err
		}
		return store.Subscription{}, fmt.Errorf("feed %d: %w", feedID, store.ErrNotFound)
	}
	if err != nil {
		return store.Subscription{}, fmt.Errorf("subscription to feed %d: %w", feedID, err)
	}
	return s.Subscription, nil
}

// Subscriptions returns the user's subscriptions ordered by URL, with
// counts when counts is true.
func (db *DB) Subscriptions(ctx context.Context, userID int64, counts bool) ([]store.Subscription, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	subs, err := querySubs(ctx, db.pool, "SELECT "+subColumns+subFrom+` WHERE s.user_id = $1 ORDER BY f.url COLLATE "C"`, userID)
	if err == nil && len(subs) == 0 {
		err = checkUser(ctx, db.pool, userID)
	}
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", db.QueryTimeoutError(ctx, err))
	}
	out := make([]store.Subscription, len(subs))
	for i, s := range subs {
		if !counts {
			s.Items, s.Unread = 0, 0
		}
		out[i] = s.Subscription
	}
	return out, nil
}

// ConfigFiles returns the config files of the user's config
// subscriptions, each with how many it declared.
func (db *DB) ConfigFiles(ctx context.Context, userID int64) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT config_file, count(*) FROM subscriptions
		WHERE user_id = $1 AND origin = 'config' GROUP BY config_file`, userID)
	if err != nil {
		return nil, fmt.Errorf("list config files: %w", err)
	}
	files := make(map[string]int)
	var (
		file string
		n    int
	)
	if _, err := pgx.ForEachRow(rows, []any{&file, &n}, func() error { files[file] = n; return nil }); err != nil {
		return nil, fmt.Errorf("list config files: %w", err)
	}
	if len(files) == 0 {
		if err := checkUser(ctx, db.pool, userID); err != nil {
			return nil, fmt.Errorf("list config files: %w", err)
		}
	}
	return files, nil
}

// ImportFeeds subscribes the user to many feeds in one transaction: all
// or nothing. Feeds the user subscribes to already, and URLs repeated in
// the input, are listed in Skipped.
func (db *DB) ImportFeeds(ctx context.Context, userID int64, subs []store.Subscription) (store.ImportResult, error) {
	for _, s := range subs {
		if err := checkURL(s.URL); err != nil {
			return store.ImportResult{}, fmt.Errorf("import feeds: %w", err)
		}
	}
	var res store.ImportResult
	err := db.tx(ctx, func(tx pgx.Tx) error {
		res = store.ImportResult{}
		if err := checkUser(ctx, tx, userID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT f.url FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = $1
			UNION SELECT f.fetch_url FROM subscriptions s JOIN feeds f ON f.id = s.feed_id
			WHERE s.user_id = $1 AND f.fetch_url <> ''`, userID)
		if err != nil {
			return err
		}
		existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(subs)+len(existing))
		for _, u := range existing {
			seen[u] = true
		}
		now := time.Now()
		// The new URLs' feeds first, found or added in the order of their
		// URLs: two imports of the same new URLs in different orders then
		// take their feeds' locks in one order and wait for each other,
		// instead of deadlocking.
		fresh := make([]store.Subscription, 0, len(subs))
		for _, s := range subs {
			if !seen[text(s.URL)] {
				fresh = append(fresh, s)
			}
		}
		slices.SortFunc(fresh, func(a, b store.Subscription) int { return strings.Compare(text(a.URL), text(b.URL)) })
		for _, s := range fresh {
			if _, err := feedFor(ctx, tx, s.Feed, now); err != nil {
				return fmt.Errorf("subscribe to %s: %w", s.URL, err)
			}
		}
		for _, s := range subs {
			u := text(s.URL)
			if seen[u] {
				res.Skipped = append(res.Skipped, s.URL)
				continue
			}
			seen[u] = true
			s.Origin = store.OriginUser
			s.ConfigFile, s.ConfigLine = "", 0
			_, added, err := subscribe(ctx, tx, userID, s, now)
			if err != nil {
				return fmt.Errorf("subscribe to %s: %w", s.URL, err)
			}
			if added {
				res.Added = append(res.Added, s.URL)
			} else {
				res.Skipped = append(res.Skipped, s.URL)
			}
		}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, fmt.Errorf("import feeds: %w", err)
	}
	return res, nil
}

// Tags returns the user's tags that some subscription has, with their
// feed and unread counts, by name.
func (db *DB) Tags(ctx context.Context, userID int64) ([]store.Tag, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.name, count(*), coalesce(sum(f.item_count - s.read_count), 0)
		FROM tags t JOIN subscription_tags x ON x.tag_id = t.id
		JOIN subscriptions s ON s.id = x.subscription_id JOIN feeds f ON f.id = s.feed_id
		WHERE t.user_id = $1 GROUP BY t.id, t.name ORDER BY t.name COLLATE "C"`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	tags, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Tag, error) {
		var t store.Tag
		err := r.Scan(&t.ID, &t.Name, &t.Feeds, &t.Unread)
		return t, err
	})
	if err == nil && len(tags) == 0 {
		err = checkUser(ctx, db.pool, userID)
	}
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", db.QueryTimeoutError(ctx, err))
	}
	return tags, nil
}

// UnreadCounts returns the user's unread counts per feed and per tag, in
// one query over the user's subscriptions: a feed's unread items are its
// item count less the user's read count.
func (db *DB) UnreadCounts(ctx context.Context, userID int64) (store.Counts, error) {
	ctx, cancel := db.WithQueryTimeout(ctx)
	defer cancel()
	rows, err := db.pool.Query(ctx, `SELECT s.feed_id, f.item_count - s.read_count,
		ARRAY(SELECT x.tag_id FROM subscription_tags x WHERE x.subscription_id = s.id)
		FROM subscriptions s JOIN feeds f ON f.id = s.feed_id WHERE s.user_id = $1`, userID)
	if err != nil {
		return store.Counts{}, fmt.Errorf("count unread items: %w", db.QueryTimeoutError(ctx, err))
	}
	c := store.Counts{Feeds: make(map[int64]int), Tags: make(map[int64]int)}
	var (
		feedID int64
		unread int
		tagIDs []int64
	)
	_, err = pgx.ForEachRow(rows, []any{&feedID, &unread, &tagIDs}, func() error {
		c.Feeds[feedID] = unread
		c.Total += unread
		for _, t := range tagIDs {
			c.Tags[t] += unread
		}
		return nil
	})
	if err == nil && len(c.Feeds) == 0 {
		err = checkUser(ctx, db.pool, userID)
	}
	if err != nil {
		return store.Counts{}, fmt.Errorf("count unread items: %w", db.QueryTimeoutError(ctx, err))
	}
	return c, nil
}
