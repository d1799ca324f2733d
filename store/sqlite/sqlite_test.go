package sqlite

import (
	"database/sql"
	"errors"
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

// TestSaveFetchItemIDs: new items are numbered on from the largest id in
// the table, and their full-text rows carry the same ids; when SQLite would
// number them otherwise (an id at the largest integer), the save fails
// whole with errItemIDs instead of indexing items under wrong ids.
func TestSaveFetchItemIDs(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	f, err := db.AddFeed(ctx, store.Feed{URL: "https://ids.test/feed"})
	if err != nil {
		t.Fatal(err)
	}
	items := func(prefix string, n int) []store.Item {
		its := make([]store.Item, n)
		for i := range its {
			its[i] = store.Item{GUID: fmt.Sprintf("%s-%d", prefix, i), Title: prefix + " quokka", Content: "<p>body</p>"}
		}
		return its
	}
	// 37 items: statements of 32, 4 and 1 rows.
	if res, err := db.SaveFetch(ctx, f.ID, store.FetchResult{Now: time.Now(), Items: items("first", 37)}); err != nil || res.New != 37 {
		t.Fatalf("SaveFetch = %+v, %v; want 37 new", res, err)
	}
	var mismatched int
	if err := db.read.QueryRow(`SELECT count(*) FROM items i WHERE i.id NOT IN
		(SELECT rowid FROM items_fts WHERE items_fts MATCH 'title:' || substr(i.title, 1, instr(i.title, ' ') - 1))`).Scan(&mismatched); err != nil || mismatched != 0 {
		t.Errorf("%d items without a full-text row under their id, %v; want none", mismatched, err)
	}

	if err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO items (id, feed_id, feed_url, content_hash, published, first_seen)
			VALUES (9223372036854775807, ?, 'https://ids.test/feed', 'h', 0, 0)`, f.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err = db.SaveFetch(ctx, f.ID, store.FetchResult{Now: time.Now(), Items: items("second", 3)})
	if !errors.Is(err, errItemIDs) {
		t.Fatalf("SaveFetch past the largest id = %v; want errItemIDs", err)
	}
	var n int
	if err := db.read.QueryRow("SELECT count(*) FROM items").Scan(&n); err != nil || n != 38 {
		t.Errorf("%d items stored, %v; want 38: nothing of the failed save", n, err)
	}
}
