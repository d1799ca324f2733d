package sqlite

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tidings/store"
)

// FuzzOpen: whatever bytes a file holds, Open either refuses it with
// ErrNotTidings (or ErrCorrupt, for an SQLite file that SQLite finds
// damaged) and leaves it as it was, or (for an empty file) makes a
// tidings database of it. It never panics.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("hello"))
	f.Add([]byte("SQLite format 3\x00"))
	f.Add(append([]byte("SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20"), make([]byte, 4096)...))
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := Open(t.Context(), path)
		if err == nil {
			defer db.Close()
			if len(content) != 0 {
				// Only a real, empty SQLite database may be taken over.
				if _, err := db.Subscriptions(t.Context(), uid(t, db), true); err != nil {
					t.Fatalf("opened %d bytes but cannot list feeds: %v", len(content), err)
				}
			}
			return
		}
		if !errors.Is(err, store.ErrNotTidings) && !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("Open: %v; want ErrNotTidings or ErrCorrupt", err)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(after, content) {
			t.Fatal("a refused file was changed")
		}
	})
}

// FuzzItemsCursor: a cursor comes back from a client (web API, reader
// apps); any string gives a page or an error, never a panic or a page
// outside the query.
func FuzzItemsCursor(f *testing.F) {
	db := openTemp(f)
	feed, err := db.Subscribe(f.Context(), uid(f, db), store.Subscription{Feed: store.Feed{URL: "https://cursor.test/feed"}})
	if err != nil {
		f.Fatal(err)
	}
	_, err = db.SaveFetch(f.Context(), feed.ID, store.FetchResult{Now: time.Now(), Items: benchItems("c", 5)})
	if err != nil {
		f.Fatal(err)
	}
	page, next, err := db.Items(f.Context(), uid(f, db), store.Query{Limit: 2})
	if err != nil || len(page) != 2 {
		f.Fatal(err)
	}
	f.Add(next, false)
	f.Add("", true)
	f.Add("ZDox", false)
	f.Add("cjpOYU46MQ", true)
	f.Fuzz(func(t *testing.T, cursor string, search bool) {
		q := store.Query{Limit: 3, Cursor: cursor}
		if search {
			q.Search = "item"
		}
		items, _, err := db.Items(t.Context(), uid(t, db), q)
		if err == nil && len(items) > 3 {
			t.Fatalf("%d items for limit 3", len(items))
		}
	})
}
