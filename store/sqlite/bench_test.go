package sqlite

import (
	"fmt"
	"testing"
	"time"

	"tidings/store"
)

// benchFeeds subscribes n feeds in one import and returns their IDs.
func benchFeeds(b *testing.B, db *DB, n int) []int64 {
	b.Helper()
	list := make([]store.Feed, n)
	for i := range list {
		list[i] = store.Feed{URL: fmt.Sprintf("https://bench%05d.test/feed", i), Tags: []string{"bench"}}
	}
	if _, err := db.ImportFeeds(b.Context(), list); err != nil {
		b.Fatal(err)
	}
	feeds, err := db.Feeds(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
	}
	return ids
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
	b.Run("new", func(b *testing.B) {
		db := openTemp(b)
		ids := benchFeeds(b, db, 1000)
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
	b.Run("unchanged", func(b *testing.B) {
		db := openTemp(b)
		ids := benchFeeds(b, db, 1000)
		// A realistic table: every feed has its 20 items stored.
		for i, id := range ids {
			if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}); err != nil {
				b.Fatal(err)
			}
		}
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

// BenchmarkSaveFetches is the fetcher's batch: 16 fetches of 20 new items
// in one SaveFetches, against BenchmarkSaveFetch/new's one per commit.
func BenchmarkSaveFetches(b *testing.B) {
	const batchSize = 16
	db := openTemp(b)
	ids := benchFeeds(b, db, 1000)
	i := 0
	for b.Loop() {
		batch := make([]store.FeedFetch, batchSize)
		for j := range batch {
			batch[j] = store.FeedFetch{FeedID: ids[i%len(ids)], Result: store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 20)}}
			i++
		}
		results, errs, err := db.SaveFetches(b.Context(), batch)
		if err != nil {
			b.Fatal(err)
		}
		for j := range batch {
			if errs[j] != nil || results[j].New != 20 {
				b.Fatalf("fetch %d: %+v, %v", j, results[j], errs[j])
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batchSize*20), "µs/item")
}

// BenchmarkClaimFeeds claims (and releases) 32 due feeds among 10,000.
func BenchmarkClaimFeeds(b *testing.B) {
	db := openTemp(b)
	ids := benchFeeds(b, db, 10_000)
	// Spread the due times so most feeds are not due.
	now := time.Now()
	for i, id := range ids {
		due := now.Add(time.Duration(i%100) * time.Minute)
		if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: now, State: store.FeedState{NextDue: due}}); err != nil {
			b.Fatal(err)
		}
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
}

// BenchmarkNextDue asks for the next due time among 10,000 feeds.
func BenchmarkNextDue(b *testing.B) {
	db := openTemp(b)
	benchFeeds(b, db, 10_000)
	for b.Loop() {
		if _, err := db.NextDue(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkItems reads the newest page of 50 unread items among 20,000.
func BenchmarkItems(b *testing.B) {
	db := openTemp(b)
	ids := benchFeeds(b, db, 100)
	for i, id := range ids {
		if _, err := db.SaveFetch(b.Context(), id, store.FetchResult{Now: time.Now(), Items: benchItems(fmt.Sprint(i), 200)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		items, _, err := db.Items(b.Context(), store.Query{Unread: true, Limit: 50})
		if err != nil || len(items) != 50 {
			b.Fatalf("Items = %d, %v", len(items), err)
		}
	}
}
