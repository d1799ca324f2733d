package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tidings/store"
	"tidings/store/storetest"
)

// template is a new database, migrated once per test binary: migrating
// costs most of a small test under -race, and the suite opens many stores.
var template struct {
	once sync.Once
	dir  string
	data []byte
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// templateFile returns the bytes of a new, migrated database.
func templateFile() ([]byte, error) {
	template.once.Do(func() {
		if template.dir, template.err = os.MkdirTemp("", "tidings-template-"); template.err != nil {
			return
		}
		path := filepath.Join(template.dir, "tidings.db")
		db, err := Open(context.Background(), path)
		if err != nil {
			template.err = err
			return
		}
		if template.err = db.Close(); template.err != nil {
			return
		}
		template.data, template.err = os.ReadFile(path)
	})
	return template.data, template.err
}

// openTemp opens a fresh database file in a temporary directory, closed
// when the test ends: a copy of the template, which Open finds migrated.
func openTemp(t testing.TB) *DB {
	t.Helper()
	data, err := templateFile()
	if err != nil {
		t.Fatalf("template database: %v", err)
	}
	path := filepath.Join(t.TempDir(), "sub", "tidings.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), path)
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
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) }, storetest.Options{
		Reopen: func(t *testing.T, s store.Store) store.Store {
			db, err := Open(t.Context(), s.(*DB).Path())
			if err != nil {
				t.Fatalf("Open again: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	})
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
	var feeds []store.Subscription
	for i := range n {
		feeds = append(feeds, store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://h%03d.test/feed", i)}})
	}
	if _, err := dbs[0].ImportFeeds(t.Context(), uid(t, dbs[0]), feeds); err != nil {
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
	f, err := db.Subscribe(ctx, uid(t, db), store.Subscription{Feed: store.Feed{URL: "https://ids.test/feed"}})
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

// TestSaveFetchesDiskFull: a database that cannot grow (here capped by
// max_page_count, which fails writes with the same SQLITE_FULL as a full
// disk) fails the fetch that needs room with store.ErrDiskFull, naming the
// file and saying what to do, and saves nothing of it; the fetches of the
// batch that fit are saved, and once there is room again it saves.
func TestSaveFetchesDiskFull(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t)
	var feeds []store.Subscription
	for _, u := range []string{"https://small1.test/", "https://big.test/", "https://small2.test/"} {
		f, err := db.Subscribe(ctx, uid(t, db), store.Subscription{Feed: store.Feed{URL: u}})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f)
	}
	items := func(prefix string, n, size int) []store.Item {
		its := make([]store.Item, n)
		for i := range its {
			its[i] = store.Item{GUID: fmt.Sprintf("%s-%d", prefix, i), Title: prefix,
				Content: "<p>" + strings.Repeat(fmt.Sprintf("%s word %d ", prefix, i), size/16) + "</p>"}
		}
		return its
	}
	now := time.Now()
	fetch := func(i int, its []store.Item) store.FeedFetch {
		return store.FeedFetch{FeedID: feeds[i].ID, Result: store.FetchResult{Now: now,
			State: store.FeedState{LastFetch: now, LastSuccess: now}, Items: its}}
	}
	var pages int
	if err := db.write.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The single write connection is the one every write uses.
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+30)); err != nil {
		t.Fatal(err)
	}
	batch := []store.FeedFetch{fetch(0, items("small1", 2, 200)), fetch(1, items("big", 300, 2000)), fetch(2, items("small2", 2, 200))}
	results, errs, err := db.SaveFetches(ctx, batch)
	if err != nil {
		t.Fatalf("SaveFetches: %v", err)
	}
	if !errors.Is(errs[1], store.ErrDiskFull) || !strings.Contains(errs[1].Error(), db.Path()) ||
		!strings.Contains(errs[1].Error(), "free some space") {
		t.Errorf("big fetch: %v; want store.ErrDiskFull naming %s and what to do", errs[1], db.Path())
	}
	if errs[0] != nil || errs[2] != nil || results[0].New != 2 || results[2].New != 2 {
		t.Errorf("small fetches: %v %v, results %+v %+v; want both saved", errs[0], errs[2], results[0], results[2])
	}
	count := func(feedID int64) (n int) {
		t.Helper()
		if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE feed_id = ?", feedID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(feeds[1].ID); n != 0 {
		t.Errorf("%d items of the failed fetch saved; want none", n)
	}
	if f, err := db.Subscription(ctx, uid(t, db), feeds[1].URL); err != nil || !f.State.LastFetch.IsZero() {
		t.Errorf("state of the failed fetch saved: %+v, %v", f.State, err)
	}
	if _, err := db.SaveFetch(ctx, feeds[1].ID, fetch(1, items("big", 300, 2000)).Result); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("SaveFetch alone: %v; want store.ErrDiskFull", err)
	}
	// Any other write that needs room, here adding many feeds in one
	// transaction, fails the same way, and adds none.
	var many []store.Subscription
	for i := range 3000 {
		many = append(many, store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://many.test/%d/%s", i, strings.Repeat("x", 100))}})
	}
	if _, err := db.ImportFeeds(ctx, uid(t, db), many); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("ImportFeeds: %v; want store.ErrDiskFull", err)
	}
	if all, err := db.FeedList(ctx); err != nil || len(all) != 3 {
		t.Errorf("%d feeds after the failed import (%v); want the 3 there were", len(all), err)
	}

	if _, err := db.write.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if res, err := db.SaveFetch(ctx, feeds[1].ID, fetch(1, items("big", 300, 2000)).Result); err != nil || res.New != 300 {
		t.Fatalf("SaveFetch with room again: %+v, %v; want 300 new", res, err)
	}
	var check string
	if err := db.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
}

// uid returns the ID of the user "me" of db, creating it on first use, as
// tidings does for the single user of a laptop.
func uid(t testing.TB, db *DB) int64 {
	t.Helper()
	u, err := db.User(context.Background(), "me")
	if errors.Is(err, store.ErrNotFound) {
		u, err = db.CreateUser(context.Background(), "me", "")
	}
	if err != nil {
		t.Fatalf("user me: %v", err)
	}
	return u.ID
}
