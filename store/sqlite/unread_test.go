package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// TestUpgradeUnreadSet opens a database of schema 9 with two users, a
// shared feed, read, starred and kept items in it: migration 10 fills
// unread_items from the subscriptions and read states, so the unread IDs
// listed from it are those the items say, and it stays so as items come in.
func TestUpgradeUnreadSet(t *testing.T) {
	migs := mustMigrations(t)
	const v9 = 9
	path := filepath.Join(t.TempDir(), "v9.db")
	stmts := []string{"CREATE TABLE " + versionTable + " (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"}
	for _, m := range migs[:v9] {
		stmts = append(stmts, m.SQL, fmt.Sprintf("INSERT INTO %s (version, applied_at) VALUES (%d, 0)", versionTable, m.Version))
	}
	stmts = append(stmts,
		`INSERT INTO users (id, name, created_at) VALUES (1, 'ann', 0), (2, 'ben', 0)`,
		`INSERT INTO feeds (id, url, created_at) VALUES (1, 'https://a.test/feed', 0), (2, 'https://b.test/feed', 0)`,
		// ann follows both feeds, ben the second.
		`INSERT INTO subscriptions (id, user_id, feed_id, origin, created_at) VALUES (1, 1, 1, 'user', 0), (2, 1, 2, 'user', 0), (3, 2, 2, 'user', 0)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
		INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
		SELECT i, 1 + i % 2, '', 'g' || i, 'https://x.test/' || i, 'h' || i, 'Item ' || i, '', i * 1000, i * 1000 FROM n`,
		// A kept item of a feed gone, starred by ann and not read.
		`INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
		VALUES (30, NULL, 'https://gone.test/feed', 'g30', 'https://gone.test/1', 'h30', 'Kept', '', 1000, 1000)`,
		`INSERT INTO item_states (user_id, item_id, read, starred) VALUES
			(1, 1, 1, 0), (1, 2, 1, 0), (1, 3, 0, 1), (1, 4, 1, 1), (1, 30, 0, 1),
			(2, 1, 1, 0), (2, 3, 1, 0), (2, 6, 0, 1)`,
		`UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE feed_id = feeds.id)`,
		`UPDATE subscriptions SET read_count = (SELECT count(*) FROM items i JOIN item_states st
			ON st.user_id = subscriptions.user_id AND st.item_id = i.id AND st.read = 1 WHERE i.feed_id = subscriptions.feed_id)`,
	)
	rawExec(t, path, stmts...)

	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a version 9 database: %v", err)
	}
	defer db.Close()
	ctx := t.Context()
	var rows int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM unread_items").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	// ann: 20 items, 3 read (1, 2, 4); ben: the 10 of feed 2 (odd IDs), 2
	// read; their unread starred items of no feed or of a feed not
	// followed (30, 6) are not rows.
	if rows != 17+8 {
		t.Errorf("unread_items has %d rows after the upgrade; want 25", rows)
	}
	var kept []int64
	for i := int64(1); i <= 20; i++ {
		if i != 1 && i != 2 && i != 4 {
			kept = append(kept, i)
		}
	}
	want := map[int64][]int64{1: append(kept, 30), 2: {5, 6, 7, 9, 11, 13, 15, 17, 19}}
	checkUnread := func(step string) {
		t.Helper()
		for user, ids := range want {
			got, err := db.ItemIDs(ctx, user, store.Query{Unread: true, ByID: true, Oldest: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("%s: user %d's unread IDs = %v; want %v", step, user, got, ids)
			}
			if n, err := db.CountItems(ctx, user, store.Query{Unread: true}); err != nil || n != len(ids) {
				t.Errorf("%s: user %d's unread count = %d, %v; want %d", step, user, n, err, len(ids))
			}
		}
	}
	checkUnread("upgraded")

	res, err := db.SaveFetch(ctx, 2, store.FetchResult{Now: time.Now(), Items: []store.Item{{GUID: "new", Title: "New"}}})
	if err != nil || res.New != 1 {
		t.Fatalf("SaveFetch after the upgrade = %+v, %v", res, err)
	}
	want[1] = append(want[1][:len(want[1])-1], 31, 30)
	slices.Sort(want[1])
	want[2] = append(want[2], 31)
	checkUnread("a new item of the shared feed")
}
