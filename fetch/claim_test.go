package fetch_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/fetch/fetchtest"
	"tidings/store"
	"tidings/store/sqlite"
)

// drainSetup is a SQLite store at path subscribed to every feed of srv,
// and the feeds as listed.
func drainSetup(t *testing.T, path string, srv *fetchtest.Server) (*sqlite.DB, []store.Feed) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, u := range srv.URLs() {
		addFeed(t, db, u, "")
	}
	feeds, err := db.FeedList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != srv.Len() {
		t.Fatalf("%d feeds listed, want %d", len(feeds), srv.Len())
	}
	return db, feeds
}

// leased counts the feeds of the SQLite file at path whose claim holds,
// through a connection of its own, as another process would see them.
func leased(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Error(err)
		return -1
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM feeds WHERE claimed_until > 0").Scan(&n); err != nil {
		t.Error(err)
		return -1
	}
	return n
}

// TestDrainClaimsABatchAtATime: Drain fetches every feed listed once,
// reports each, claims no more than its capacity before the first fetch
// ends (two hosts, two feeds each at most), leaves a feed another process
// holds to it, and holds no claim at its end.
func TestDrainClaimsABatchAtATime(t *testing.T) {
	const feeds = 12
	path := filepath.Join(t.TempDir(), "tidings.db")
	var (
		once       sync.Once
		firstLease = -1
	)
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 3, Addrs: fetchtest.LoopbackAddrs(2),
		OnRequest: func(*http.Request) { once.Do(func() { firstLease = leased(t, path) }) }})
	db, list := drainSetup(t, path, srv)

	// Another process holds the server's last feed.
	held, err := db.ClaimFeeds(context.Background(), store.ClaimRequest{Now: time.Now(), Lease: time.Hour, URLs: []string{srv.URL(feeds - 1)}})
	if err != nil || len(held) != 1 {
		t.Fatalf("claim the held feed: %v, %d feeds", err, len(held))
	}

	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:    db,
		Fetcher:  fetch.New(fetch.Options{AllowPrivateNetworks: true, Concurrency: 1, PerHost: 1}),
		Capacity: 4,
	})
	var (
		mu      sync.Mutex
		done    []int64
		skipped []int64
	)
	res, err := s.Drain(context.Background(), fetch.DrainRequest{
		Feeds: list,
		Done: func(o fetch.Outcome) {
			mu.Lock()
			defer mu.Unlock()
			if o.Err != nil || o.SaveErr != nil {
				t.Errorf("%s: %v %v", o.Feed.URL, o.Err, o.SaveErr)
			}
			done = append(done, o.Feed.ID)
		},
		Skipped: func(f store.Feed, claimed bool) {
			if claimed {
				t.Errorf("%s let go after its claim", f.URL)
			}
			skipped = append(skipped, f.ID)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if firstLease < 1 || firstLease > 4+1 { // the capacity, and the feed held
		t.Errorf("%d feeds leased during the first fetch, want 1 to 5: at most the capacity of 4, and the held one", firstLease)
	}
	slices.Sort(done)
	if len(done) != feeds-1 || len(slices.Compact(slices.Clone(done))) != feeds-1 {
		t.Errorf("%d outcomes (%v), want one for each of %d feeds", len(done), done, feeds-1)
	}
	if !slices.Equal(skipped, []int64{held[0].ID}) {
		t.Errorf("skipped %v, want the held feed %d", skipped, held[0].ID)
	}
	if res.Claimed != feeds-1 || res.NotFetched != 0 || res.Unreleased != 0 || res.Stopped != nil {
		t.Errorf("result %+v, want %d claimed and nothing left", res, feeds-1)
	}
	for i := range feeds - 1 {
		if n := srv.FeedRequests(i); n != 1 {
			t.Errorf("feed %d requested %d times, want once", i, n)
		}
	}
	if n := srv.FeedRequests(feeds - 1); n != 0 {
		t.Errorf("the held feed was requested %d times", n)
	}
	if n := leased(t, path); n != 1 {
		t.Errorf("%d feeds leased after the drain, want only the held one", n)
	}
}

// TestDrainInterrupted: when its context ends, Drain stops claiming,
// cancels the fetches in flight, counts what it did not fetch and releases
// every claim it holds, so the next run takes those feeds at once.
func TestDrainInterrupted(t *testing.T) {
	const feeds = 10
	path := filepath.Join(t.TempDir(), "tidings.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	requests := 0
	srv := fetchtest.NewServer(t, fetchtest.Options{Feeds: feeds, Items: 2, OnRequest: func(*http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if requests++; requests == 3 {
			cancel()
		}
	}})
	db, list := drainSetup(t, path, srv)
	s := fetch.NewScheduler(fetch.SchedulerOptions{
		Store:   db,
		Fetcher: fetch.New(fetch.Options{AllowPrivateNetworks: true, Concurrency: 1, PerHost: 1}),
	})
	var saved int
	res, err := s.Drain(ctx, fetch.DrainRequest{Feeds: list, Done: func(o fetch.Outcome) {
		mu.Lock()
		saved++
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if saved >= feeds || res.NotFetched != feeds-saved {
		t.Errorf("%d saved and %d not fetched, want fewer than %d saved and the rest not fetched", saved, res.NotFetched, feeds)
	}
	if n := leased(t, path); n != 0 {
		t.Errorf("%d feeds leased after the interrupted drain, want none", n)
	}
}
