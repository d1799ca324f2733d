// Package storetest is the conformance suite every store.Store backend
// passes. A backend's test calls Run with a constructor of empty stores:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
//
// Each subtest gets its own store from open; open should register the
// store's cleanup (Close) with t.Cleanup. A backend whose database can be
// opened twice passes Options with Reopen, so that the concurrency tests
// race two stores on one database, as two processes would, and not only
// two goroutines on one store.
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

// Options are Run's optional hooks.
type Options struct {
	// Reopen, when not nil, opens a second store on the database of s (a
	// store made by open), as a second process would, and registers its
	// Close with t.Cleanup.
	Reopen func(t *testing.T, s store.Store) store.Store
}

// opener makes an empty store for one test.
type opener func(t *testing.T) store.Store

// Run runs the whole suite against stores made by open. At most one
// Options is read.
func Run(t *testing.T, open func(t *testing.T) store.Store, opts ...Options) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	suites := []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"Prefs", testPrefs},
		{"Subscriptions", testSubscriptions},
		{"Sync", testSync},
		{"Import", testImport},
		{"Resubscribe", testResubscribe},
		{"Isolation", testIsolation},
		{"SharedFeed", testSharedFeed},
		{"Concurrency", func(t *testing.T, open opener) { testConcurrency(t, open, o.Reopen) }},
		{"Schedules", testSchedules},
		{"Identity", testIdentity},
		{"Save", testSave},
		{"Batch", testBatch},
		{"Claims", testClaims},
		{"Query", testQuery},
		{"Search", testSearch},
		{"Marks", testMarks},
		{"Counts", testCounts},
		{"UnreadSet", testUnreadSet},
		{"UnreadByDate", testUnreadByDate},
		{"Tags", testTags},
		{"Counters", testCounters},
		{"Prune", testPrune},
		{"Move", testMove},
		{"Optimize", testOptimize},
		{"Content", testContent},
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

// newUser creates a user with that name and no password.
func newUser(t *testing.T, s store.Store, name string) int64 {
	t.Helper()
	u, err := s.CreateUser(t.Context(), name, "")
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u.ID
}

// setup opens an empty store with one user, alice.
func setup(t *testing.T, open opener) (store.Store, int64) {
	t.Helper()
	s := open(t)
	return s, newUser(t, s, "alice")
}

// sub is a subscription to url with tags, as a caller passes it.
func sub(url string, tags ...string) store.Subscription {
	return store.Subscription{Feed: store.Feed{URL: url}, Tags: tags}
}

// subscribe subscribes user to url with tags.
func subscribe(t *testing.T, s store.Store, user int64, url string, tags ...string) store.Subscription {
	t.Helper()
	return subscribeTo(t, s, user, sub(url, tags...))
}

func subscribeTo(t *testing.T, s store.Store, user int64, in store.Subscription) store.Subscription {
	t.Helper()
	got, err := s.Subscribe(t.Context(), user, in)
	if err != nil {
		t.Fatalf("Subscribe(user %d, %s): %v", user, in.URL, err)
	}
	return got
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

// all returns every item of user matching q, following cursors.
func all(t *testing.T, s store.Store, user int64, q store.Query) []store.Item {
	t.Helper()
	var out []store.Item
	for range 10_000 {
		page, next, err := s.Items(t.Context(), user, q)
		if err != nil {
			t.Fatalf("Items(user %d, %+v): %v", user, q, err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		q.Cursor = next
	}
	t.Fatalf("Items(user %d, %+v): cursor never ends", user, q)
	return nil
}

// count is CountItems, failing the test on an error, or when it differs
// from the number of IDs ItemIDs lists for q (a backend may count from
// counts it keeps; the listing reads the items).
func count(t *testing.T, s store.Store, user int64, q store.Query) int {
	t.Helper()
	n, err := s.CountItems(t.Context(), user, q)
	if err != nil {
		t.Fatalf("CountItems(user %d, %+v): %v", user, q, err)
	}
	if q.Limit == 0 && q.Search == "" {
		if listed := len(itemIDs(t, s, user, q)); listed != n {
			t.Errorf("CountItems(user %d, %+v) = %d; ItemIDs lists %d", user, q, n, listed)
		}
	}
	return n
}

// itemIDs is ItemIDs, failing the test on an error.
func itemIDs(t *testing.T, s store.Store, user int64, q store.Query) []int64 {
	t.Helper()
	got, err := s.ItemIDs(t.Context(), user, q)
	if err != nil {
		t.Fatalf("ItemIDs(user %d, %+v): %v", user, q, err)
	}
	return got
}

func setRead(t *testing.T, s store.Store, user int64, ids []int64, read bool) {
	t.Helper()
	if _, err := s.SetRead(t.Context(), user, ids, read); err != nil {
		t.Fatalf("SetRead(user %d): %v", user, err)
	}
}

func setStarred(t *testing.T, s store.Store, user int64, ids []int64, starred bool) {
	t.Helper()
	if _, err := s.SetStarred(t.Context(), user, ids, starred); err != nil {
		t.Fatalf("SetStarred(user %d): %v", user, err)
	}
}

func unsubscribe(t *testing.T, s store.Store, user int64, url string) {
	t.Helper()
	if err := s.Unsubscribe(t.Context(), user, url); err != nil {
		t.Fatalf("Unsubscribe(user %d, %s): %v", user, url, err)
	}
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

// byGUID maps the GUIDs of its to their IDs.
func byGUID(its []store.Item) map[string]int64 {
	out := make(map[string]int64, len(its))
	for _, it := range its {
		out[it.GUID] = it.ID
	}
	return out
}

// subByURL is the user's subscription to url, with counts.
func subByURL(t *testing.T, s store.Store, user int64, url string) store.Subscription {
	t.Helper()
	f, err := s.Subscription(t.Context(), user, url)
	if err != nil {
		t.Fatalf("Subscription(user %d, %s): %v", user, url, err)
	}
	return f
}

// feedList is FeedList, failing the test on an error.
func feedList(t *testing.T, s store.Store) []store.Feed {
	t.Helper()
	feeds, err := s.FeedList(t.Context())
	if err != nil {
		t.Fatalf("FeedList: %v", err)
	}
	return feeds
}

// listedURLs are the URLs of every feed in FeedList.
func listedURLs(t *testing.T, s store.Store) []string {
	t.Helper()
	return claimedURLs(feedList(t, s))
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

func sortedIDs(s []int64) []int64 {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func equalIDSet(a, b []int64) bool {
	return slices.Equal(sortedIDs(a), sortedIDs(b))
}

func testOptimize(t *testing.T, open opener) {
	s, u := setup(t, open)
	f := subscribe(t, s, u, "https://opt.test/feed")
	save(t, s, f.ID, fetch(items("opt", 30)...))
	if err := s.Optimize(t.Context()); err != nil {
		t.Fatalf("Optimize: %v", err)
	}
	got, _, err := s.Items(t.Context(), u, store.Query{Search: "body"})
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
