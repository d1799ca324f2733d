package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/fetch"
	"tidings/store"
	"tidings/store/sqlite"
)

// TestRealWorldCorpusStored takes every real-world snapshot in
// testdata/realworld through the whole path a feed takes in production:
// served by a loopback HTTP server, fetched, parsed, normalised and saved in
// a real SQLite store. A second fetch of the same body, parsed again, must
// store nothing new and change nothing; a third one is not parsed at all
// (the same body); and the stored rows must match what was served.
func TestRealWorldCorpusStored(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "realworld", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	jsonFiles, err := filepath.Glob(filepath.Join("testdata", "realworld", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range jsonFiles {
		if !strings.HasSuffix(f, ".golden.json") {
			files = append(files, f)
		}
	}
	if len(files) < 40 {
		t.Fatalf("found %d snapshots in testdata/realworld, want the 43 of the corpus", len(files))
	}

	// Served without validators, so the second fetch gets a full 200 and,
	// with the body hash forgotten, really goes through parse and save
	// again instead of a 304 or the same-body skip.
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, err := os.ReadFile(filepath.Join("testdata", "realworld", filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".json") {
			w.Header().Set("Content-Type", "application/feed+json")
		} else {
			w.Header().Set("Content-Type", "application/xml")
		}
		w.Write(body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tidings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := fetch.New(fetch.Options{AllowPrivateNetworks: true, Now: func() time.Time { return now }})

	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			feed, err := db.Subscribe(ctx, me(t, db), store.Subscription{Feed: store.Feed{URL: srv.URL + "/" + name}})
			if err != nil {
				t.Fatal(err)
			}
			first := f.Fetch(ctx, feed.Feed)
			if strings.Contains(name, "FirstEntry") {
				// Not feeds: the corpus keeps one entry's content as a
				// fixture. Clean means a clear error and nothing stored.
				if !errors.Is(first.Err, fetch.ErrNotFeed) {
					t.Fatalf("fragment %s: got %v, want a not-a-feed error", name, first.Err)
				}
				saved, err := db.SaveFetch(ctx, feed.ID, first.Result)
				if err != nil || saved.New != 0 {
					t.Fatalf("fragment %s: saved %+v, %v; want nothing", name, saved, err)
				}
				return
			}
			if first.Err != nil {
				t.Fatalf("first fetch: %v", first.Err)
			}
			if len(first.Result.Items) == 0 {
				t.Fatalf("first fetch parsed no items")
			}
			saved, err := db.SaveFetch(ctx, feed.ID, first.Result)
			if err != nil {
				t.Fatalf("save first fetch: %v", err)
			}
			if saved.New == 0 {
				t.Fatalf("first save stored no new item (%+v)", saved)
			}

			stored, _, err := db.Items(ctx, me(t, db), store.Query{FeedID: feed.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != saved.New {
				t.Errorf("store holds %d items, save said %d new", len(stored), saved.New)
			}
			for _, it := range stored {
				if it.Published.IsZero() {
					t.Errorf("item %q has no published time (should fall back to first seen)", it.Title)
				}
				if it.Published.After(now) {
					t.Errorf("item %q published %v, after the fetch time", it.Title, it.Published)
				}
				for _, bad := range []string{"<script", "javascript:", " onerror=", " onclick="} {
					if strings.Contains(strings.ToLower(it.Content), bad) {
						t.Errorf("item %q content keeps %q", it.Title, bad)
					}
				}
				if it.URL != "" && !strings.HasPrefix(it.URL, "http://") && !strings.HasPrefix(it.URL, "https://") {
					t.Errorf("item %q link %q is not absolute http(s)", it.Title, it.URL)
				}
			}

			again, err := db.Subscription(ctx, me(t, db), feed.URL)
			if err != nil {
				t.Fatal(err)
			}
			if again.State.BodyHash == "" {
				t.Fatal("no body hash saved with the first fetch")
			}
			hash := again.State.BodyHash
			again.State.BodyHash = ""
			second := f.Fetch(ctx, again.Feed)
			if second.Err != nil || second.Unchanged || second.Result.State.BodyHash != hash {
				t.Fatalf("second fetch: err %v, unchanged %t, hash %q; want parsed again, to the same hash %q",
					second.Err, second.Unchanged, second.Result.State.BodyHash, hash)
			}
			saved2, err := db.SaveFetch(ctx, feed.ID, second.Result)
			if err != nil {
				t.Fatalf("save second fetch: %v", err)
			}
			if saved2.New != 0 || saved2.Updated != 0 {
				t.Errorf("second fetch of the same body: %d new, %d updated; want 0 and 0", saved2.New, saved2.Updated)
			}
			after, _, err := db.Items(ctx, me(t, db), store.Query{FeedID: feed.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(stored) {
				t.Errorf("after the second fetch the store holds %d items, want %d", len(after), len(stored))
			}
			again, err = db.Subscription(ctx, me(t, db), feed.URL)
			if err != nil {
				t.Fatal(err)
			}
			if third := f.Fetch(ctx, again.Feed); third.Err != nil || !third.Unchanged || len(third.Result.Items) != 0 {
				t.Errorf("third fetch: err %v, unchanged %t, %d items; want the same body, not parsed",
					third.Err, third.Unchanged, len(third.Result.Items))
			}
		})
	}
}
