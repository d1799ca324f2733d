// Package storetest is the conformance suite every store.Store backend
// passes. A backend's test calls Run with a constructor of empty stores:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
//
// Each subtest gets its own store from open; open should register the
// store's cleanup (Close) with t.Cleanup.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	suites := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"Feeds", testFeeds},
		{"Sync", testSync},
		{"Import", testImport},
		{"Resubscribe", testResubscribe},
		{"Identity", testIdentity},
		{"Save", testSave},
		{"Batch", testBatch},
		{"Claims", testClaims},
		{"Query", testQuery},
		{"Search", testSearch},
		{"Marks", testMarks},
		{"Prune", testPrune},
		{"Move", testMove},
		{"Optimize", testOptimize},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.fn(t, open) })
	}
}

// base is a fixed, millisecond-precise time around which items are
// published; fetches happen at fetchTime, after every item made by item.
var (
	base      = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)
	fetchTime = base.Add(30 * 24 * time.Hour)
)

func addFeed(t *testing.T, s store.Store, url string, tags ...string) store.Feed {
	t.Helper()
	f, err := s.AddFeed(t.Context(), store.Feed{URL: url, Tags: tags})
	if err != nil {
		t.Fatalf("AddFeed(%s): %v", url, err)
	}
	return f
}

// item makes a distinct item n with a GUID, link, title and content,
// published n minutes after base.
func item(prefix string, n int) store.Item {
	return store.Item{
		GUID:      fmt.Sprintf("%s-guid-%d", prefix, n),
		URL:       fmt.Sprintf("https://example.test/%s/%d", prefix, n),
		Title:     fmt.Sprintf("%s item %d", prefix, n),
		Content:   fmt.Sprintf("<p>Body of %s item %d.</p>", prefix, n),
		Published: base.Add(time.Duration(n) * time.Minute),
	}
}

func items(prefix string, n int) []store.Item {
	out := make([]store.Item, n)
	for i := range out {
		out[i] = item(prefix, i)
	}
	return out
}

// fetch is a successful fetch at fetchTime with the given items.
func fetch(its ...store.Item) store.FetchResult {
	return store.FetchResult{
		Now: fetchTime,
		State: store.FeedState{
			LastFetch: fetchTime, LastSuccess: fetchTime, NextDue: fetchTime.Add(time.Hour), WaitReason: store.WaitSchedule,
		},
		Items: its,
	}
}

func save(t *testing.T, s store.Store, feedID int64, r store.FetchResult) store.SaveResult {
	t.Helper()
	res, err := s.SaveFetch(t.Context(), feedID, r)
	if err != nil {
		t.Fatalf("SaveFetch(feed %d): %v", feedID, err)
	}
	return res
}

// all returns every item matching q, following cursors.
func all(t *testing.T, s store.Store, q store.Query) []store.Item {
	t.Helper()
	var out []store.Item
	for range 10_000 {
		page, next, err := s.Items(t.Context(), q)
		if err != nil {
			t.Fatalf("Items(%+v): %v", q, err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		q.Cursor = next
	}
	t.Fatalf("Items(%+v): cursor never ends", q)
	return nil
}

func guids(its []store.Item) []string {
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = it.GUID
	}
	return out
}

func ids(its []store.Item) []int64 {
	out := make([]int64, len(its))
	for i, it := range its {
		out[i] = it.ID
	}
	return out
}

func feedByURL(t *testing.T, s store.Store, url string) store.Feed {
	t.Helper()
	f, err := s.Feed(t.Context(), url)
	if err != nil {
		t.Fatalf("Feed(%s): %v", url, err)
	}
	return f
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, target)
	}
}

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func equalSet(a, b []string) bool {
	return slices.Equal(sortedStrings(a), sortedStrings(b))
}

func testOptimize(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	f := addFeed(t, s, "https://opt.test/feed")
	save(t, s, f.ID, fetch(items("opt", 30)...))
	if err := s.Optimize(t.Context()); err != nil {
		t.Fatalf("Optimize: %v", err)
	}
	got, _, err := s.Items(t.Context(), store.Query{Search: "body"})
	if err != nil || len(got) != 30 {
		t.Fatalf("search after Optimize: %d items, %v; want 30", len(got), err)
	}
}

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
