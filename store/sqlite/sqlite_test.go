package sqlite

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tidings/store"
	"tidings/store/storetest"
)

// openTemp opens a fresh database file in a temporary directory, closed
// when the test ends.
func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "sub", "tidings.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestClaimsAcrossHandles claims from two *DB on one file at once, as two
// `tidings run` processes would: no feed goes to both.
func TestClaimsAcrossHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tidings.db")
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	const n = 300
	var feeds []store.Feed
	for i := range n {
		feeds = append(feeds, store.Feed{URL: fmt.Sprintf("https://h%03d.test/feed", i)})
	}
	if _, err := dbs[0].ImportFeeds(t.Context(), feeds); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var (
		mu  sync.Mutex
		got = make(map[int64]int)
		wg  sync.WaitGroup
	)
	for w := range 8 {
		db := dbs[w%2]
		wg.Go(func() {
			for {
				claimed, err := db.ClaimFeeds(t.Context(), store.ClaimRequest{Now: now, Lease: time.Minute, Limit: 5})
				if err != nil {
					t.Errorf("ClaimFeeds: %v", err)
					return
				}
				if len(claimed) == 0 {
					return
				}
				mu.Lock()
				for _, f := range claimed {
					got[f.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("%d feeds claimed; want %d", len(got), n)
	}
	for id, c := range got {
		if c != 1 {
			t.Errorf("feed %d claimed %d times", id, c)
		}
	}
}
