package postgres

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// commitModes are the two ways the benchmarks run: "durable", as the
// server is configured (every commit waits for its WAL flush, which on a
// busy disk is most of the time), and "async", with synchronous_commit off
// for the session, which measures the work of the statements themselves.
var commitModes = []struct{ name, value string }{{"durable", "on"}, {"async", "off"}}

// openBench opens a store in a fresh schema in the given commit mode.
func openBench(b *testing.B, syncCommit string) *DB {
	return open(b, withParam(freshSchema(b), "synchronous_commit", syncCommit))
}

// benchFeeds subscribes a user to n feeds in one import and returns the
// user and the feeds' IDs.
func benchFeeds(b *testing.B, db *DB, n int) (int64, []int64) {
	b.Helper()
	user := me(b, db)
	list := make([]store.Subscription, n)
	for i := range list {
		list[i] = store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://bench%05d.test/feed", i)}, Tags: []string{"bench"}}
	}
	if _, err := db.ImportFeeds(b.Context(), user, list); err != nil {
		b.Fatal(err)
	}
	subs, err := db.Subscriptions(b.Context(), user, false)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(subs))
	for i, s := range subs {
		ids[i] = s.ID
	}
	return user, ids
}

func benchItems(prefix string, n int) []store.Item {
	its := make([]store.Item, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range its {
		its[i] = store.Item{
			GUID:      fmt.Sprintf("%s-%d", prefix, i),
			URL:       fmt.Sprintf("https://bench.test/%s/%d", prefix, i),
			Title:     fmt.Sprintf("Item %d of %s", i, prefix),
			Author:    "Bench",
			Content:   fmt.Sprintf("<p>A paragraph of <a href=\"https://x.test/\">content</a> for %s item %d, about the length of a short blog post summary.</p>", prefix, i),
			Published: base.Add(time.Duration(i) * time.Minute),
		}
	}
	return its
}

// BenchmarkSaveFetch is one fetch of 20 items, as the fetcher saves it
// about 1,000 times in a row: all new, or all already stored.
func BenchmarkSaveFetch(b *testing.B) {
	for _, mode := range commitModes {
		b.Run(mode.name+"/new", func(b *testing.B) {
			db := openBench(b, mode.value)
			_, ids := benchFeeds(b, db, 1000)
			i := 0
			for b.Loop() {
				r := store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}
				res, err := db.SaveFetch(b.Context(), ids[i%len(ids)], r)
				if err != nil || res.New != 20 {
					b.Fatalf("SaveFetch = %+v, %v", res, err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*20), "µs/item")
		})
		b.Run(mode.name+"/unchanged", func(b *testing.B) {
			// The setup needs no durability (freshSchema turns it off).
			dsn := freshSchema(b)
			db := open(b, dsn)
			_, ids := benchFeeds(b, db, 1000)
			// A realistic table: every feed has its 20 items stored.
			for i, id := range ids {
				if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}); err != nil {
					b.Fatal(err)
				}
			}
			db = open(b, withParam(dsn, "synchronous_commit", mode.value))
			i := 0
			for b.Loop() {
				n := i % len(ids)
				res, err := db.SaveFetch(b.Context(), ids[n], store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(n), 20)})
				if err != nil || res.New+res.Updated != 0 {
					b.Fatalf("SaveFetch = %+v, %v", res, err)
				}
				i++
			}
		})
	}
}

// BenchmarkClaimFeeds claims (and releases) 32 due feeds among 10,000.
func BenchmarkClaimFeeds(b *testing.B) {
	for _, mode := range commitModes {
		b.Run(mode.name, func(b *testing.B) {
			db := openBench(b, mode.value)
			benchFeeds(b, db, 10_000)
			// Spread the due times so most feeds are not due.
			now := time.Now()
			if _, err := db.pool.Exec(b.Context(), `UPDATE feeds SET next_due = $1::timestamptz + (id % 100) * interval '1 minute'`,
				ts(now)); err != nil {
				b.Fatal(err)
			}
			if _, err := db.pool.Exec(b.Context(), "ANALYZE feeds"); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				feeds, err := db.ClaimFeeds(b.Context(), store.ClaimRequest{Now: now.Add(time.Second), Lease: time.Minute, Limit: 32})
				if err != nil || len(feeds) != 32 {
					b.Fatalf("ClaimFeeds = %d feeds, %v", len(feeds), err)
				}
				claimed := make([]int64, len(feeds))
				for i, f := range feeds {
					claimed[i] = f.ID
				}
				if err := db.Release(b.Context(), claimed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNextDue asks for the next due time among 10,000 feeds.
func BenchmarkNextDue(b *testing.B) {
	db := openBench(b, "off")
	benchFeeds(b, db, 10_000)
	for b.Loop() {
		if _, err := db.NextDue(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkItems reads the newest page of 50 unread items among 20,000,
// and the first page of a search.
func BenchmarkItems(b *testing.B) {
	db := openBench(b, "off")
	user, ids := benchFeeds(b, db, 100)
	for i, id := range ids {
		if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 200)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Optimize(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Run("newest", func(b *testing.B) {
		for b.Loop() {
			items, _, err := db.Items(b.Context(), user, store.Query{Unread: true, Limit: 50})
			if err != nil || len(items) != 50 {
				b.Fatalf("Items = %d, %v", len(items), err)
			}
		}
	})
	b.Run("search", func(b *testing.B) {
		for b.Loop() {
			items, _, err := db.Items(b.Context(), user, store.Query{Search: "item 7 of 42", Limit: 50})
			if err != nil || len(items) == 0 {
				b.Fatalf("Items = %d, %v", len(items), err)
			}
		}
	})
}

// BenchmarkUnreadCounts is issue 10's and 12's: a user with 1,000
// subscriptions over 1,000,000 stored items (1,000 per feed, nine in ten
// read, so 100,000 unread): their unread counts per feed and tag, the first
// page (50) of their unread items, and what the reader apps ask (see
// BenchmarkReadQueries in store/sqlite). The data is made by the server (generate_series), not by
// SaveFetch, so it takes seconds, not hours.
func BenchmarkUnreadCounts(b *testing.B) {
	const feeds, perFeed = 1000, 1000
	db := openBench(b, "off")
	ctx := b.Context()
	user := me(b, db)
	for _, q := range []string{
		`INSERT INTO feeds (url, created_at) SELECT 'https://bench' || g || '.test/feed', now() FROM generate_series(1, ` +
			fmt.Sprint(feeds) + `) g`,
		`INSERT INTO subscriptions (user_id, feed_id, origin, created_at) SELECT $1, id, 'user', now() FROM feeds`,
		`INSERT INTO tags (user_id, name) SELECT $1, 'tag' || g FROM generate_series(0, 9) g`,
		`INSERT INTO subscription_tags (subscription_id, tag_id, pos)
			SELECT s.id, t.id, 1 FROM subscriptions s JOIN tags t ON t.name = 'tag' || (s.feed_id % 10) WHERE s.user_id = $1`,
		`INSERT INTO items (feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
			SELECT f.id, f.url, 'g' || n, f.url || '/' || n, md5(f.url || n), 'Item ' || n, '<p>Item ' || n || '</p>',
				timestamptz '2025-01-01' + (n * ` + fmt.Sprint(feeds) + ` + f.id) * interval '1 minute', now()
			FROM feeds f CROSS JOIN generate_series(1, ` + fmt.Sprint(perFeed) + `) n`,
		`UPDATE feeds SET item_count = ` + fmt.Sprint(perFeed),
		// The triggers count these into read_count.
		`INSERT INTO item_states (user_id, item_id, read) SELECT $1, id, true FROM items WHERE ((id * 2654435761) >> 12) % 10 <> 0`,
		// SaveFetch makes each new item unread for the feed's subscribers
		// as it inserts it, and marking it read takes it out; these items
		// are made by hand, so their unread rows are too, as a vacuum
		// leaves them.
		`INSERT INTO unread_items (user_id, item_id) SELECT $1, id FROM items WHERE ((id * 2654435761) >> 12) % 10 = 0 ORDER BY id`,
		`ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{user}
		}
		if _, err := db.pool.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	var wantUnread int
	if err := db.pool.QueryRow(ctx, "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM item_states s WHERE s.item_id = i.id)").Scan(&wantUnread); err != nil {
		b.Fatal(err)
	}
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			c, err := db.UnreadCounts(ctx, user)
			if err != nil || len(c.Feeds) != feeds || c.Total != wantUnread || len(c.Tags) != 10 {
				b.Fatalf("UnreadCounts = %d feeds, %d tags, %d unread, %v; want %d, 10, %d", len(c.Feeds), len(c.Tags), c.Total,
					err, feeds, wantUnread)
			}
		}
	})
	b.Run("first-unread-page", func(b *testing.B) {
		for b.Loop() {
			items, next, err := db.Items(ctx, user, store.Query{Unread: true, Limit: 50})
			if err != nil || len(items) != 50 || next == "" {
				b.Fatalf("Items = %d, %q, %v; want a page of 50 and more", len(items), next, err)
			}
		}
	})
	b.Run("first-unread-page-of-tag", func(b *testing.B) {
		for b.Loop() {
			items, _, err := db.Items(ctx, user, store.Query{Unread: true, Tag: "tag3", Limit: 50})
			if err != nil || len(items) != 50 {
				b.Fatalf("Items = %d, %v; want a page of 50", len(items), err)
			}
		}
	})
	b.Run("count-unread", func(b *testing.B) {
		for b.Loop() {
			n, err := db.CountItems(ctx, user, store.Query{Unread: true})
			if err != nil || n != wantUnread {
				b.Fatalf("CountItems = %d, %v; want %d", n, err, wantUnread)
			}
		}
	})
	var ids250 []int64
	for i := range 250 {
		ids250 = append(ids250, int64(1+(i*3989)%(feeds*perFeed)))
	}
	b.Run("unread-ids-10000", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, Limit: 10000})
			if err != nil || len(ids) != 10000 {
				b.Fatalf("ItemIDs = %d, %v", len(ids), err)
			}
		}
	})
	b.Run("unread-ids-10000-byid", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, ByID: true, Limit: 10000})
			if err != nil || len(ids) != 10000 {
				b.Fatalf("ItemIDs = %d, %v", len(ids), err)
			}
		}
	})
	b.Run("unread-ids-all-byid-oldest", func(b *testing.B) {
		// Fever's unread_item_ids.
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Unread: true, ByID: true, Oldest: true})
			if err != nil || len(ids) != wantUnread {
				b.Fatalf("ItemIDs = %d, %v; want %d", len(ids), err, wantUnread)
			}
		}
	})
	b.Run("items-250-ids", func(b *testing.B) {
		for b.Loop() {
			items, _, err := db.Items(ctx, user, store.Query{IDs: ids250})
			if err != nil || len(items) != len(ids250) {
				b.Fatalf("Items = %d, %v", len(items), err)
			}
		}
	})
	b.Run("page-100", func(b *testing.B) {
		for b.Loop() {
			items, _, err := db.Items(ctx, user, store.Query{Limit: 100})
			if err != nil || len(items) != 100 {
				b.Fatalf("Items = %d, %v", len(items), err)
			}
		}
	})
	b.Run("page-100-offset-5000", func(b *testing.B) {
		for b.Loop() {
			ids, err := db.ItemIDs(ctx, user, store.Query{Limit: 5100})
			if err != nil || len(ids) != 5100 {
				b.Fatalf("ItemIDs = %d, %v", len(ids), err)
			}
			items, _, err := db.Items(ctx, user, store.Query{IDs: ids[5000:], Limit: 100})
			if err != nil || len(items) != 100 {
				b.Fatalf("Items = %d, %v", len(items), err)
			}
		}
	})
	b.Run("count-all", func(b *testing.B) {
		for b.Loop() {
			n, err := db.CountItems(ctx, user, store.Query{})
			if err != nil || n != feeds*perFeed {
				b.Fatalf("CountItems = %d, %v", n, err)
			}
		}
	})
}
