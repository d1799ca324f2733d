package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
	id                       int64
	url, title, author, body string
	categories               []string
	enclosures               []store.Enclosure
	published, updated       time.Time
}

// SaveFetch writes one fetch of a feed in one transaction: its state,
// metadata and items, and releases the claim. A failure leaves nothing.
// It locks the feed's row first, so two saves of one feed, from any
// processes, run one after the other.
//
// Items are keyed per store.ChooseIdentity from the feed's stored rule (or
// the state's, if further down), and matched against stored items by that
// rule's column, so a feed moving down the rules does not duplicate what
// it already has. A known item whose content changed is updated (read and
// starred of every user kept); an unchanged one is left alone; an item matching a
// tombstone is skipped. New items without Published, or with one after
// r.Now, get r.Now; a known item keeps its stored Published unless the
// fetch gives one before r.Now. All the writes go to the server in one
// round trip.
//
// New items are unread for every subscriber and counted in the feed's
// item_count.
//
// With MoveTo a feed that no config declares takes it as its URL, unless
// another feed has it already (then the URL and RedirectURL stay, and
// LastError is store.MoveConflict); a feed some config declares fetches
// from it and keeps its declared URL. A move ends RedirectURL and
// RedirectCount.
func (db *DB) SaveFetch(ctx context.Context, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	r.Items = cleanItems(r.Items)
	var res store.SaveResult
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = saveFetch(ctx, tx, feedID, r)
		return err
	})
	if err != nil {
		return store.SaveResult{}, err
	}
	return res, nil
}

// SaveFetches saves a batch of fetches in one transaction, each as
// SaveFetch does, each inside a savepoint of its own: a fetch that fails
// rolls back to its savepoint and gets its error in errs; the rest commit
// together. It locks each feed's row as it comes to it; a deadlock with
// another process (or a serialization failure) fails the whole
// transaction, which is then retried from the start like SaveFetch's. A
// failure of the transaction itself (or ctx ending) saves nothing and is
// the returned error.
func (db *DB) SaveFetches(ctx context.Context, batch []store.FeedFetch) ([]store.SaveResult, []error, error) {
	fetches := make([]store.FetchResult, len(batch))
	for i, f := range batch {
		r := f.Result
		if r.Now.IsZero() {
			r.Now = time.Now()
		}
		r.Items = cleanItems(r.Items)
		fetches[i] = r
	}
	var (
		results []store.SaveResult
		errs    []error
	)
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// A retried transaction starts over: nothing of a failed try counts.
		results = make([]store.SaveResult, len(batch))
		errs = make([]error, len(batch))
		for i, f := range batch {
			var res store.SaveResult
			// pgx runs a nested transaction as a savepoint.
			err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
				var err error
				res, err = saveFetch(ctx, sp, f.FeedID, fetches[i])
				return err
			})
			if err != nil {
				if retryable(err) || ctx.Err() != nil || tx.Conn().IsClosed() {
					// Retry the whole batch, or give it up: the caller
					// stopped or the connection is gone.
					return err
				}
				errs[i] = corrupted(diskFull(err))
				continue
			}
			results[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return results, errs, nil
}

// cleanItems returns a copy of items with every text storable (see text).
func cleanItems(items []store.Item) []store.Item {
	out := make([]store.Item, len(items))
	for i, it := range items {
		it.GUID, it.URL, it.Title, it.Author, it.Content =
			text(it.GUID), text(it.URL), text(it.Title), text(it.Author), text(it.Content)
		cats := make([]string, len(it.Categories))
		for j, c := range it.Categories {
			cats[j] = text(c)
		}
		it.Categories = cats
		encs := make([]store.Enclosure, len(it.Enclosures))
		for j, e := range it.Enclosures {
			encs[j] = store.Enclosure{URL: text(e.URL), Type: text(e.Type), Length: e.Length}
		}
		it.Enclosures = encs
		out[i] = it
	}
	return out
}

func saveFetch(ctx context.Context, tx pgx.Tx, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	var (
		feedURL, fetchURL string
		storedRule        int16
	)
	err := tx.QueryRow(ctx, "SELECT url, fetch_url, identity FROM feeds WHERE id = $1 FOR UPDATE", feedID).
		Scan(&feedURL, &fetchURL, &storedRule)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, store.ErrNotFound)
	}
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, err)
	}

	// The rule only ever moves down: from the stored one, or from the
	// state's if the fetcher already moved further.
	current := max(store.Identity(storedRule), r.State.Identity)
	identity := store.ChooseIdentity(current, r.Items)
	res := store.SaveResult{Identity: identity}
	batch := &pgx.Batch{}
	if err := queueItems(ctx, tx, batch, feedID, feedURL, identity, r, &res); err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
	}

	st := r.State
	st.Identity = identity
	newURL, newFetchURL := feedURL, fetchURL
	movedFrom := pgtype.Text{} // NULL: unchanged
	if r.MoveTo != "" && r.MoveTo != feedURL {
		moveTo := text(r.MoveTo)
		// A URL some config declares stays the feed's URL: the config
		// names it.
		var declared bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE feed_id = $1 AND origin = 'config')",
			feedID).Scan(&declared); err != nil {
			return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
		}
		if declared {
			newFetchURL = moveTo
			st.RedirectURL, st.RedirectCount = "", 0
		} else {
			var taken bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM feeds WHERE id <> $1 AND (url = $2 OR fetch_url = $2))",
				feedID, moveTo).Scan(&taken); err != nil {
				return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
			}
			if taken {
				st.LastError = store.MoveConflict(moveTo)
				st.RedirectURL = moveTo
			} else {
				newURL, newFetchURL = moveTo, ""
				movedFrom = pgtype.Text{String: feedURL, Valid: true}
				st.RedirectURL, st.RedirectCount = "", 0
			}
		}
	} else if r.MoveTo == feedURL {
		newFetchURL = ""
	}
	batch.Queue(`UPDATE feeds SET url = $2, fetch_url = $3,
		title = CASE WHEN $4 <> '' THEN $4 ELSE title END,
		site_url = CASE WHEN $5 <> '' THEN $5 ELSE site_url END,
		icon_url = CASE WHEN $6 <> '' THEN $6 ELSE icon_url END,
		etag = $7, last_modified = $8, last_fetch = $9, last_success = $10, last_error = $11, error_count = $12,
		next_due = $13, not_before = $14, wait_reason = $15, gone = $16, redirect_url = $17, redirect_count = $18,
		identity = $19, body_hash = $20, feed_delay = $21, claimed_until = NULL, item_count = item_count + $22,
		moved_from = coalesce($23, moved_from), unreadable_dates = $24
		WHERE id = $1`,
		feedID, newURL, newFetchURL, text(r.Title), text(r.SiteURL), text(r.IconURL),
		text(st.ETag), text(st.LastModified), ts(st.LastFetch), ts(st.LastSuccess), text(st.LastError), st.ErrorCount,
		ts(st.NextDue), ts(st.NotBefore), text(st.WaitReason), st.Gone, text(st.RedirectURL), st.RedirectCount,
		int16(identity), text(st.BodyHash), st.FeedDelay.Milliseconds(), res.New, movedFrom, st.UnreadableDates)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
	}
	return res, nil
}

// Text longer than these is cut before indexing: a tsvector holds at most
// 1 MB, and the start of an item is what people search for.
const (
	maxIndexedTitle = 4 << 10
	maxIndexedBody  = 256 << 10
)

// searchVector is the SQL of an item's tsvector from its title ($t) and the
// text of its content ($b): title words weigh most (A), body words least (D).
// The 'simple' configuration lowercases without stemming or stop words, so
// every language of the feeds is treated alike.
func searchVector(t, b string) string {
	return "setweight(to_tsvector('simple', " + t + "), 'A') || setweight(to_tsvector('simple', " + b + "), 'D')"
}

var (
	// insertItem inserts a new item, unread for every subscriber of its
	// feed (whose row SaveFetch holds locked, as Subscribe waits for it).
	insertItem = `WITH new AS (INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, author, content,
		categories, enclosures, published, updated, first_seen, search)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, ` + searchVector("$14", "$15") + `) RETURNING id)
		INSERT INTO unread_items (user_id, item_id) SELECT s.user_id, new.id FROM new, subscriptions s WHERE s.feed_id = $1`
	updateItem = `UPDATE items SET guid = $2, url = $3, content_hash = $4, title = $5, author = $6, content = $7,
		categories = $8, enclosures = $9, published = $10, updated = $11, search = ` + searchVector("$12", "$13") + `
		WHERE id = $1`
)

// queueItems decides, for each item of the fetch, whether it is new,
// changed or known, and queues the inserts and updates on batch. It reads
// the stored items and tombstones of all the keys in two queries.
func queueItems(ctx context.Context, tx pgx.Tx, batch *pgx.Batch, feedID int64, feedURL string,
	identity store.Identity, r store.FetchResult, res *store.SaveResult) error {
	if len(r.Items) == 0 {
		return nil
	}
	col := keyColumn(identity)
	// Under the hash rule equal keys are the same item (ChooseIdentity);
	// only the first one of a fetch counts.
	var (
		keys  []string
		fresh []store.Item
	)
	seen := make(map[string]bool, len(r.Items))
	for _, it := range r.Items {
		k := store.Key(identity, it)
		if seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		fresh = append(fresh, it)
	}

	// A feed that moved down the rules may have several stored items with
	// one key; the oldest is the one that counts.
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (`+col+`) `+col+`, id, url, title, author, content,
		categories, enclosures, published, updated
		FROM items WHERE feed_id = $1 AND `+col+` = ANY($2) ORDER BY `+col+`, id`, feedID, keys)
	if err != nil {
		return err
	}
	known := make(map[string]savedItem, len(keys))
	var (
		key                string
		old                savedItem
		published, updated pgtype.Timestamptz
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &old.id, &old.url, &old.title, &old.author, &old.body,
		&old.categories, &old.enclosures, &published, &updated}, func() error {
		old.published, old.updated = fromTS(published), fromTS(updated)
		known[key] = old
		old = savedItem{}
		return nil
	})
	if err != nil {
		return err
	}
	var unknown []string
	for _, k := range keys {
		if _, ok := known[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	pruned := make(map[string]bool)
	if len(unknown) > 0 {
		rows, err := tx.Query(ctx, `SELECT DISTINCT `+col+` FROM tombstones WHERE feed_id = $1 AND `+col+` = ANY($2)`,
			feedID, unknown)
		if err != nil {
			return err
		}
		tombs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, k := range tombs {
			pruned[k] = true
		}
	}

	now := stored(r.Now)
	for i, it := range fresh {
		published := stored(it.Published)
		updated := stored(it.Updated)
		cats := it.Categories
		encs := it.Enclosures
		old, ok := known[keys[i]]
		if !ok {
			if pruned[keys[i]] {
				continue // pruned before: never new again
			}
			// No date: first seen. A date in the future: clamped to now
			// (DESIGN.md), so it cannot pin the item to the top.
			if published.IsZero() || published.After(now) {
				published = now
			}
			batch.Queue(insertItem, feedID, feedURL, it.GUID, it.URL, store.ContentHash(it), it.Title, it.Author,
				it.Content, cats, encs, ts(published), ts(updated), ts(now),
				clip(it.Title, maxIndexedTitle), clip(htmlText(it.Content), maxIndexedBody))
			res.New++
			continue
		}
		if published.IsZero() || !published.Before(now) {
			// Missing, or at or after the fetch (a future date, or one a
			// normaliser clamped to the fetch time): keep the stored date,
			// so a refetch is not an update.
			published = old.published
		}
		// The GUID is not compared: under the guid rule it is the key,
		// under the others a feed's unstable GUIDs are not news.
		if old.url == it.URL && old.title == it.Title && old.author == it.Author && old.body == it.Content &&
			slices.Equal(old.categories, cats) && slices.Equal(old.enclosures, encs) &&
			old.published.Equal(published) && (updated.IsZero() || old.updated.Equal(updated)) {
			continue
		}
		if updated.IsZero() {
			// The feed gives no updated time: the change is news now.
			updated = now
		}
		batch.Queue(updateItem, old.id, it.GUID, it.URL, store.ContentHash(it), it.Title, it.Author, it.Content,
			cats, encs, ts(published), ts(updated),
			clip(it.Title, maxIndexedTitle), clip(htmlText(it.Content), maxIndexedBody))
		res.Updated++
	}
	return nil
}
