package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/reader"
	"tidings/store"
	"tidings/store/sqlite"
	"tidings/web"
	"tidings/web/ui"
)

// The benchmark's data: a user subscribed to benchFeeds feeds of
// benchItems items in all, the newest tenth of each feed unread.
const (
	benchFeeds = 1000
	benchItems = 1_000_000
)

// openBench returns the benchmark's store and its user. Storing a million
// items takes minutes, so the file is kept in the temporary directory for
// the next run, under a name that changes with its contents
// (TIDINGS_BENCH_DB names another place).
func openBench(b *testing.B) (*reader.Reader, store.User) {
	b.Helper()
	path := os.Getenv("TIDINGS_BENCH_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "tidings-bench-webui-v1.db")
	}
	ctx := context.Background()
	_, statErr := os.Stat(path)
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	r := reader.New(reader.Options{Store: db})
	if statErr == nil {
		if u, err := db.User(ctx, "reader"); err == nil {
			if n, err := db.CountItems(ctx, u.ID, store.Query{}); err == nil && n == benchItems {
				return r, u
			}
		}
		b.Fatalf("%s is not a complete benchmark database; remove it and run again", path)
	}
	fail := func(err error) {
		db.Close()
		os.Remove(path)
		b.Fatal(err)
	}
	start := time.Now()
	u, err := db.CreateUser(ctx, "reader", "")
	if err != nil {
		fail(err)
	}
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	per := benchItems / benchFeeds
	now := epoch.Add(time.Duration(per+1) * time.Hour)
	for f := range benchFeeds {
		s, err := db.Subscribe(ctx, u.ID, store.Subscription{Feed: store.Feed{URL: fmt.Sprintf("https://bench%d.test/feed", f)},
			Tags: []string{fmt.Sprintf("tag%d", f%20)}})
		if err != nil {
			fail(err)
		}
		res := store.FetchResult{Now: now, Title: fmt.Sprintf("Bench feed %d", f),
			State: store.FeedState{LastFetch: now, LastSuccess: now, NextDue: now.Add(time.Hour), WaitReason: store.WaitSchedule}}
		for j := range per {
			res.Items = append(res.Items, store.Item{GUID: fmt.Sprintf("g%d-%d", f, j), URL: fmt.Sprintf("https://bench%d.test/%d", f, j),
				Title:     fmt.Sprintf("Item %d of feed %d, a title of ordinary length", j, f),
				Content:   fmt.Sprintf("<p>The text of item %d, long enough to look like a summary of something.</p>", j),
				Published: epoch.Add(time.Duration(j)*time.Hour + time.Duration(f)*time.Second)})
		}
		if _, err := db.SaveFetch(ctx, s.ID, res); err != nil {
			fail(err)
		}
	}
	// The newest tenth of each feed stays unread.
	cut := epoch.Add(time.Duration(per*9/10) * time.Hour)
	db.SetQueryTimeout(0) // 900,000 items at once is more than a page asks
	if _, err := db.MarkAllRead(ctx, u.ID, store.Query{Until: cut}); err != nil {
		fail(err)
	}
	db.SetQueryTimeout(store.DefaultQueryTimeout)
	if err := db.Optimize(ctx); err != nil {
		fail(err)
	}
	b.Logf("built %s in %v", path, time.Since(start).Round(time.Second))
	return r, u
}

// BenchmarkUnreadPage is the server time of the unread page (50 items,
// the side pane's counts of 1,000 feeds and 20 tags, the mark-all bound)
// for a user with 1,000 feeds and 1,000,000 stored items on SQLite; "feed"
// and "tag" are the unread pages of one feed and one tag, "item" an item
// opened beside its list.
func BenchmarkUnreadPage(b *testing.B) {
	r, u := openBench(b)
	h := ui.New(ui.Options{Reader: r})
	ctx := context.Background()
	if err := r.SetPrefs(ctx, u.ID, store.Prefs{Theme: store.ThemeAuto, MarkOnOpen: false}); err != nil {
		b.Fatal(err)
	}
	first, _, err := r.Items(ctx, u.ID, store.Query{Unread: true, Limit: 1})
	if err != nil || len(first) == 0 {
		b.Fatalf("no unread item: %v", err)
	}
	for _, p := range []struct{ name, path string }{
		{"unread", "/"},
		{"feed", fmt.Sprintf("/?feed=%d", first[0].FeedID)},
		{"tag", "/?tag=tag7"},
		{"item", fmt.Sprintf("/item/%d", first[0].ID)},
	} {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", p.path, nil)
			req = req.WithContext(web.WithCSRFToken(web.WithUser(req.Context(), u), "tok"))
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `class="entry`) {
					b.Fatalf("status %d: %.300s", w.Code, w.Body.String())
				}
			}
		})
	}
}
