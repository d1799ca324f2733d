package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

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
	id                                           int64
	guid, url, title, author, content, cats, enc string
	published, updated                           int64
}

// SaveFetch writes one fetch of a feed in one transaction: its state,
// metadata and items, and releases the claim. A failure leaves nothing.
//
// Items are keyed per store.ChooseIdentity from the feed's stored rule (or
// the state's, if further down), and matched against stored items by that
// rule's column, so a feed moving down the rules does not duplicate what
// it already has. A known item whose content changed is updated (read and
// starred kept); an unchanged one is left alone; an item matching a
// tombstone is skipped. New items without Published get r.Now.
//
// With MoveTo a user feed takes it as its URL, unless another feed has it
// already (then the URL stays and the state's LastError says why); a config
// feed fetches from it and keeps its declared URL.
func (db *DB) SaveFetch(ctx context.Context, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	var res store.SaveResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = saveFetch(ctx, tx, feedID, r)
		return err
	})
	if err != nil {
		return store.SaveResult{}, err
	}
	return res, nil
}

func saveFetch(ctx context.Context, tx *sql.Tx, feedID int64, r store.FetchResult) (store.SaveResult, error) {
	var (
		feedURL, fetchURL, origin string
		stored                    int
	)
	err := tx.QueryRowContext(ctx, "SELECT url, fetch_url, origin, identity FROM feeds WHERE id = ?", feedID).
		Scan(&feedURL, &fetchURL, &origin, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, store.ErrNotFound)
	}
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of feed %d: %w", feedID, err)
	}

	// The rule only ever moves down: from the stored one, or from the
	// state's if the fetcher already moved further.
	current := max(store.Identity(stored), r.State.Identity)
	identity := store.ChooseIdentity(current, r.Items)
	res := store.SaveResult{Identity: identity}
	if err := saveItems(ctx, tx, feedID, feedURL, identity, r, &res); err != nil {
		return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
	}

	st := r.State
	st.Identity = identity
	newURL, newFetchURL := feedURL, fetchURL
	if r.MoveTo != "" && r.MoveTo != feedURL {
		if origin == string(store.OriginConfig) {
			newFetchURL = r.MoveTo
		} else {
			var taken int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM feeds WHERE id <> ? AND (url = ? OR fetch_url = ?)",
				feedID, r.MoveTo, r.MoveTo).Scan(&taken); err != nil {
				return store.SaveResult{}, fmt.Errorf("save fetch of %s: %w", feedURL, err)
			}
			if taken > 0 {
				st.LastError = "the feed moved permanently to " + r.MoveTo +
					", which is subscribed already; remove one of the two"
			} else {
				newURL, newFetchURL = r.MoveTo, ""
			}
		}
	} else if r.MoveTo == feedURL {
		newFetchURL = ""
	}
	_, err = tx.ExecContext(ctx, `UPDATE feeds SET url = ?, fetch_url = ?,
		title = CASE WHEN ? <> '' THEN ? ELSE title END,
		site_url = CASE WHEN ? <> '' THEN ? ELSE site_url END,
		icon_url = CASE WHEN ? <> '' THEN ? ELSE icon_url END,
		etag = ?, last_modified = ?, last_fetch = ?, last_success = ?, last_error = ?, error_count = ?,
		next_due = ?, not_before = ?, wait_reason = ?, gone = ?, redirect_url = ?, redirect_count = ?,
		identity = ?, claimed_until = 0
		WHERE id = ?`,
		newURL, newFetchURL, r.Title, r.Title, r.SiteURL, r.SiteURL, r.IconURL, r.IconURL,
		st.ETag, st.LastModified, toMillis(st.LastFetch), toMillis(st.LastSuccess), st.LastError, st.ErrorCount,
		toMillis(st.NextDue), toMillis(st.NotBefore), st.WaitReason, st.Gone, st.RedirectURL, st.RedirectCount,
		int(identity), feedID)
	if err != nil {
		return store.SaveResult{}, fmt.Errorf("save state of %s: %w", feedURL, err)
	}
	return res, nil
}

// saveStmts are the statements one SaveFetch runs per item, prepared once.
type saveStmts struct {
	find, tomb, insert, update, ftsDelete, ftsInsert *sql.Stmt
}

func prepareSave(ctx context.Context, tx *sql.Tx, col string) (*saveStmts, error) {
	queries := []string{
		`SELECT id, guid, url, title, author, content, categories, enclosures, published, updated
			FROM items WHERE feed_id = ? AND ` + col + ` = ? ORDER BY id LIMIT 1`,
		`SELECT count(*) FROM tombstones WHERE feed_id = ? AND ` + col + ` = ?`,
		`INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, author, content,
			categories, enclosures, published, updated, first_seen)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		`UPDATE items SET guid = ?, url = ?, content_hash = ?, title = ?, author = ?, content = ?,
			categories = ?, enclosures = ?, published = ?, updated = ? WHERE id = ?`,
		`DELETE FROM items_fts WHERE rowid = ?`,
		`INSERT INTO items_fts (rowid, title, body) VALUES (?, ?, ?)`,
	}
	stmts := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		s, err := tx.PrepareContext(ctx, q)
		if err != nil {
			for _, p := range stmts[:i] {
				p.Close()
			}
			return nil, err
		}
		stmts[i] = s
	}
	return &saveStmts{stmts[0], stmts[1], stmts[2], stmts[3], stmts[4], stmts[5]}, nil
}

func (s *saveStmts) close() {
	for _, st := range []*sql.Stmt{s.find, s.tomb, s.insert, s.update, s.ftsDelete, s.ftsInsert} {
		st.Close()
	}
}

func saveItems(ctx context.Context, tx *sql.Tx, feedID int64, feedURL string, identity store.Identity,
	r store.FetchResult, res *store.SaveResult) error {
	if len(r.Items) == 0 {
		return nil
	}
	stmts, err := prepareSave(ctx, tx, keyColumn(identity))
	if err != nil {
		return err
	}
	defer stmts.close()

	now := toMillis(r.Now)
	// Under the hash rule equal keys are the same item (ChooseIdentity);
	// only the first one of a fetch counts.
	seen := make(map[string]bool, len(r.Items))
	for _, it := range r.Items {
		// A long batch stops as soon as the caller gives up.
		if err := ctx.Err(); err != nil {
			return err
		}
		key := store.Key(identity, it)
		if seen[key] {
			continue
		}
		seen[key] = true
		hash := store.ContentHash(it)
		cats, err := encodeList(it.Categories)
		if err != nil {
			return err
		}
		enc, err := encodeList(it.Enclosures)
		if err != nil {
			return err
		}
		published := toMillis(it.Published)

		var old savedItem
		err = stmts.find.QueryRowContext(ctx, feedID, key).Scan(&old.id, &old.guid, &old.url, &old.title,
			&old.author, &old.content, &old.cats, &old.enc, &old.published, &old.updated)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var tombs int
			if err := stmts.tomb.QueryRowContext(ctx, feedID, key).Scan(&tombs); err != nil {
				return err
			}
			if tombs > 0 {
				continue // pruned before: never new again
			}
			if published == 0 {
				published = now
			}
			var id int64
			if err := stmts.insert.QueryRowContext(ctx, feedID, feedURL, it.GUID, it.URL, hash, it.Title,
				it.Author, it.Content, cats, enc, published, toMillis(it.Updated), now).Scan(&id); err != nil {
				return err
			}
			if _, err := stmts.ftsInsert.ExecContext(ctx, id, it.Title, htmlText(it.Content)); err != nil {
				return err
			}
			res.New++
		case err != nil:
			return err
		default:
			if published == 0 {
				published = old.published // keep the first-seen fallback
			}
			updated := toMillis(it.Updated)
			// The GUID is not compared: under the guid rule it is the key,
			// under the others a feed's unstable GUIDs are not news.
			if old.url == it.URL && old.title == it.Title && old.author == it.Author &&
				old.content == it.Content && old.cats == cats && old.enc == enc &&
				old.published == published && (updated == 0 || old.updated == updated) {
				continue
			}
			if updated == 0 {
				// The feed gives no updated time: the change is news now.
				updated = now
			}
			if _, err := stmts.update.ExecContext(ctx, it.GUID, it.URL, hash, it.Title, it.Author, it.Content,
				cats, enc, published, updated, old.id); err != nil {
				return err
			}
			if old.title != it.Title || old.content != it.Content {
				if _, err := stmts.ftsDelete.ExecContext(ctx, old.id); err != nil {
					return err
				}
				if _, err := stmts.ftsInsert.ExecContext(ctx, old.id, it.Title, htmlText(it.Content)); err != nil {
					return err
				}
			}
			res.Updated++
		}
	}
	return nil
}

// encodeList stores categories and enclosures as JSON; an empty list is ”.
func encodeList[T any](list []T) (string, error) {
	if len(list) == 0 {
		return "", nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func decodeList[T any](s string) ([]T, error) {
	if s == "" {
		return nil, nil
	}
	var list []T
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	return slices.Clip(list), nil
}
