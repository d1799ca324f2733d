package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"tidings/store"
)

// The per-user benchmarks' data: a user subscribed to benchUserFeeds
// feeds of benchUserItems items in all, nine in ten of them read.
const (
	benchUserFeeds = 1000
	benchUserItems = 1_000_000
)

// openUserBench returns a database with the benchmarks' data and its
// user's ID. Building a million items takes a while, so the file is kept
// in the temporary directory for the next run (TIDINGS_BENCH_DB names
// another place).
func openUserBench(b *testing.B) (*DB, int64) {
	b.Helper()
	path := os.Getenv("TIDINGS_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "tidings-bench-users-v6c.db")
	}
	ctx := context.Background()
	_, statErr := os.Stat(path)
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if statErr == nil {
		if u, err := db.User(ctx, "reader"); err == nil {
			return db, u.ID
		}
	}
	u, err := db.CreateUser(ctx, "reader", "")
	if err != nil {
		b.Fatal(err)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		steps := []string{
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
			INSERT INTO feeds (url, title, wait_reason, created_at)
			SELECT 'https://bench' || i || '.test/feed', 'Feed ' || i, 'schedule', 0 FROM n`,
			`INSERT INTO subscriptions (user_id, feed_id, origin, created_at) SELECT ?1, id, 'user', 0 FROM feeds`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
			INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
			SELECT 1 + i % ?2, '', 'g' || i, 'https://bench.test/' || i, 'h' || i, 'Item ' || i,
				'<p>The text of item ' || i || ', long enough to look like a summary of something.</p>',
				1700000000000 + i * 1000, 1700000000000 + i * 1000 FROM n`,
			`INSERT INTO item_states (user_id, item_id, read) SELECT ?1, id, 1 FROM items WHERE ((id * 2654435761) >> 12) % 10 <> 0`,
		}
		for _, q := range steps {
			if _, err := tx.ExecContext(ctx, q, u.ID, benchUserFeeds, benchUserItems); err != nil {
				return err
			}
		}
		ids := make([]int64, benchUserFeeds)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		if err := recountItems(ctx, tx, ids); err != nil {
			return err
		}
		return recountRead(ctx, tx, ids)
	})
	if err != nil {
		os.Remove(path)
		b.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return db, u.ID
}

// BenchmarkUnreadCounts: the unread counts per feed and per tag of a user
// with 1,000 subscriptions over 1,000,000 items, from the kept counts;
// "anti-join" counts the same from item_states alone, as a schema without
// kept counts would have to, for comparison.
func BenchmarkUnreadCounts(b *testing.B) {
	db, user := openUserBench(b)
	ctx := context.Background()
	b.Run("kept", func(b *testing.B) {
		for b.Loop() {
			c, err := db.UnreadCounts(ctx, user)
			if err != nil || len(c.Feeds) != benchUserFeeds || c.Total < benchUserItems/20 {
				b.Fatalf("UnreadCounts: %d feeds, %d unread, %v", len(c.Feeds), c.Total, err)
			}
		}
	})
	b.Run("anti-join", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.read.QueryContext(ctx, `SELECT i.feed_id, count(*) FROM items i
				WHERE i.feed_id IN (SELECT feed_id FROM subscriptions WHERE user_id = ?1)
				AND NOT EXISTS (SELECT 1 FROM item_states s WHERE s.user_id = ?1 AND s.item_id = i.id AND s.read = 1)
				GROUP BY i.feed_id`, user)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if n != benchUserFeeds {
				b.Fatalf("%d feeds counted", n)
			}
		}
	})
}

// BenchmarkUnreadPage: the first page (50) of a user's unread items, newest
// first, and the next one, at 1,000,000 items.
func BenchmarkUnreadPage(b *testing.B) {
	db, user := openUserBench(b)
	ctx := context.Background()
	for _, q := range []struct {
		name  string
		query store.Query
	}{
		{"unread", store.Query{Unread: true, Limit: 50}},
		{"unread-oldest", store.Query{Unread: true, Oldest: true, Limit: 50}},
		{"all", store.Query{Limit: 50}},
		{"feed-unread", store.Query{FeedID: 7, Unread: true, Limit: 50}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				items, next, err := db.Items(ctx, user, q.query)
				if err != nil || len(items) == 0 || next == "" {
					b.Fatalf("Items: %d items, next %q, %v", len(items), next, err)
				}
			}
		})
	}
	b.Run("unread-ids", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, Limit: 10000})
			if err != nil || len(ids) != 10000 {
				b.Fatalf("ItemIDs: %d, %v", len(ids), err)
			}
		}
	})
}

// BenchmarkReadQueries: what the reader apps and the web page ask of the
// store at 1,000,000 items: the ids of unread items as the Google Reader
// (newest first, 10,000) and Fever (all, by id) APIs list them, 250 items
// by id with their content, pages of 100 unfiltered (the first, one 5,000
// items in by cursor, and Miniflux's offset 5,000: the ids up to it, then
// the page by id), and the count of all the user's items.
func BenchmarkReadQueries(b *testing.B) {
	db, user := openUserBench(b)
	ctx := context.Background()
	ids250 := make([]int64, 250)
	for i := range ids250 {
		ids250[i] = int64(1 + (i*3989)%benchUserItems)
	}
	cursor := ""
	for range 50 {
		_, next, err := db.Items(ctx, user, store.Query{Limit: 100, Cursor: cursor})
		if err != nil || next == "" {
			b.Fatalf("page: next %q, %v", next, err)
		}
		cursor = next
	}
	b.Run("unread-ids-10000", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, Limit: 10000})
			if err != nil || len(ids) != 10000 {
				b.Fatalf("ItemIDs: %d, %v", len(ids), err)
			}
		}
	})
	b.Run("unread-ids-10000-byid", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, ByID: true, Limit: 10000})
			if err != nil || len(ids) != 10000 {
				b.Fatalf("ItemIDs: %d, %v", len(ids), err)
			}
		}
	})
	b.Run("unread-ids-all-byid-oldest", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, ByID: true, Oldest: true})
			if err != nil || len(ids) < benchUserItems/20 {
				b.Fatalf("ItemIDs: %d, %v", len(ids), err)
			}
		}
	})
	b.Run("items-250-ids", func(b *testing.B) {
		for b.Loop() {
			items, _, err := db.Items(ctx, user, store.Query{IDs: ids250})
			if err != nil || len(items) != len(ids250) {
				b.Fatalf("Items: %d, %v", len(items), err)
			}
		}
	})
	b.Run("page-100", func(b *testing.B) {
		for b.Loop() {
			items, next, err := db.Items(ctx, user, store.Query{Limit: 100})
			if err != nil || len(items) != 100 || next == "" {
				b.Fatalf("Items: %d, %v", len(items), err)
			}
		}
	})
	b.Run("page-100-cursor-5000", func(b *testing.B) {
		for b.Loop() {
			items, next, err := db.Items(ctx, user, store.Query{Limit: 100, Cursor: cursor})
			if err != nil || len(items) != 100 || next == "" {
				b.Fatalf("Items: %d, %v", len(items), err)
			}
		}
	})
	b.Run("page-100-offset-5000", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Limit: 5100})
			if err != nil || len(ids) != 5100 {
				b.Fatalf("ItemIDs: %d, %v", len(ids), err)
			}
			items, _, err := db.Items(ctx, user, store.Query{IDs: ids[5000:], Limit: 100})
			if err != nil || len(items) != 100 {
				b.Fatalf("Items: %d, %v", len(items), err)
			}
		}
	})
	b.Run("count-all", func(b *testing.B) {
		for b.Loop() {
			n, err := db.CountItems(ctx, user, store.Query{})
			if err != nil || n != benchUserItems {
				b.Fatalf("CountItems: %d, %v", n, err)
			}
		}
	})
	b.Run("count-unread", func(b *testing.B) {
		for b.Loop() {
			n, err := db.CountItems(ctx, user, store.Query{Unread: true})
			if err != nil || n < benchUserItems/20 {
				b.Fatalf("CountItems: %d, %v", n, err)
			}
		}
	})
}
