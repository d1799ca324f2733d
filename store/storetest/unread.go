package storetest

import (
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// testUnreadSet checks, after each kind of write, that the unread IDs a
// backend lists by ID (which it may keep apart, as a set of its own) are
// the user's items that are not read, as the items themselves say: every
// item the user may read, with its Read flag, listed by Items.
func testUnreadSet(t *testing.T, open opener) {
	s, alice := setup(t, open)
	ctx := t.Context()
	bob := newUser(t, s, "bob")
	check := func(step string) {
		t.Helper()
		checkUnreadSet(t, s, alice, "alice, "+step)
		checkUnreadSet(t, s, bob, "bob, "+step)
	}
	check("no subscriptions")

	a := subscribe(t, s, alice, "https://a.test/feed", "news")
	b := subscribe(t, s, alice, "https://b.test/feed", "tech")
	subscribe(t, s, bob, "https://b.test/feed")
	check("subscribed, no items")

	save(t, s, a.ID, fetch(items("a", 6)...))
	if _, errs, err := s.SaveFetches(ctx, []store.FeedFetch{
		{FeedID: b.ID, Result: fetch(items("b", 6)...)},
		{FeedID: a.ID, Result: fetch(item("a", 6))},
	}); err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatalf("SaveFetches: %v %v", err, errs)
	}
	check("items saved")

	ga := byGUID(all(t, s, alice, store.Query{FeedID: a.ID}))
	gb := byGUID(all(t, s, alice, store.Query{FeedID: b.ID}))
	setRead(t, s, alice, []int64{ga["a-guid-0"]}, true)
	check("one read")
	setRead(t, s, alice, []int64{ga["a-guid-1"], ga["a-guid-2"], gb["b-guid-0"], gb["b-guid-1"]}, true)
	setRead(t, s, bob, []int64{gb["b-guid-1"], gb["b-guid-2"]}, true)
	check("many read")
	setRead(t, s, alice, []int64{ga["a-guid-2"], gb["b-guid-1"]}, false)
	check("some unread again")

	// Starred, unread and read, then unstarred: a state row without read.
	setStarred(t, s, alice, []int64{ga["a-guid-3"], ga["a-guid-1"], ga["a-guid-4"]}, true)
	setStarred(t, s, alice, []int64{ga["a-guid-4"]}, false)
	check("starred")

	if _, err := s.MarkAllRead(ctx, alice, store.Query{Until: base.Add(2 * time.Minute), FeedID: b.ID}); err != nil {
		t.Fatalf("MarkAllRead(before): %v", err)
	}
	check("mark all read before a time in a feed")
	if _, err := s.MarkAllRead(ctx, alice, store.Query{Tag: "tech"}); err != nil {
		t.Fatalf("MarkAllRead(tag): %v", err)
	}
	check("mark all read of a tag")
	save(t, s, b.ID, fetch(append(items("b", 6), item("b", 7), item("b", 8))...))
	check("new items after mark all read")

	// Unsubscribing keeps the starred items readable, the unread starred
	// one among the unread; the rest of the state goes, and with nobody
	// left on the feed, its other items.
	unsubscribe(t, s, alice, a.URL)
	check("unsubscribed")
	if got := count(t, s, alice, store.Query{Unread: true}); got == 0 {
		t.Errorf("after unsubscribing, alice has no unread: the unread starred item should stay")
	}

	// Subscribing again takes the kept items back: read ones stay read.
	a = subscribe(t, s, alice, a.URL)
	check("subscribed again")
	save(t, s, a.ID, fetch(items("a", 8)...))
	check("refetched")
	subscribe(t, s, bob, a.URL)
	check("second subscriber of a feed with items")
	if _, err := s.ImportFeeds(ctx, bob, []store.Subscription{sub("https://c.test/feed")}); err != nil {
		t.Fatalf("ImportFeeds: %v", err)
	}
	c := subByURL(t, s, bob, "https://c.test/feed")
	save(t, s, c.ID, fetch(items("c", 3)...))
	if _, err := s.SyncDeclared(ctx, alice, []string{"c.toml"}, []store.Subscription{declared("https://c.test/feed", "c.toml", 1)}); err != nil {
		t.Fatalf("SyncDeclared: %v", err)
	}
	check("imported and declared")
	if _, err := s.MarkAllRead(ctx, alice, store.Query{}); err != nil {
		t.Fatalf("MarkAllRead: %v", err)
	}
	check("mark all read")
	if _, err := s.SyncDeclared(ctx, alice, []string{"c.toml"}, nil); err != nil {
		t.Fatalf("SyncDeclared: %v", err)
	}
	check("declared no more")

	// Pruning deletes what every subscriber read; bob has not read a's.
	setRead(t, s, bob, itemIDs(t, s, bob, store.Query{FeedID: a.ID}), true)
	if n, err := s.Prune(ctx, fetchTime.Add(time.Hour), false); err != nil || n == 0 {
		t.Fatalf("Prune = %d, %v; want some pruned", n, err)
	}
	check("pruned")
	save(t, s, a.ID, fetch(item("a", 20)))
	check("new item after prune")

	if err := s.RemoveUser(ctx, bob); err != nil {
		t.Fatalf("RemoveUser: %v", err)
	}
	checkUnreadSet(t, s, alice, "alice, bob removed")
	// A store that gives a removed user's ID again must not give the new
	// user the old one's unread items.
	carol := newUser(t, s, "carol")
	checkUnreadSet(t, s, carol, "carol, after bob removed")
	if got := itemIDs(t, s, carol, store.Query{Unread: true, ByID: true}); len(got) != 0 {
		t.Errorf("carol, a new user, has unread items %v", got)
	}
	subscribe(t, s, carol, "https://b.test/feed")
	checkUnreadSet(t, s, carol, "carol subscribed")
}

// checkUnreadSet compares the user's unread IDs, listed by ID every way an
// app asks (oldest and newest first, limited, after and before an ID),
// and counted, with the items Items lists that are not read.
func checkUnreadSet(t *testing.T, s store.Store, user int64, step string) {
	t.Helper()
	var want []int64
	for _, it := range all(t, s, user, store.Query{}) {
		if !it.Read {
			want = append(want, it.ID)
		}
	}
	want = sortedIDs(want)
	if want == nil {
		want = []int64{}
	}
	got := itemIDs(t, s, user, store.Query{Unread: true, ByID: true, Oldest: true})
	if !slices.Equal(got, want) {
		t.Errorf("%s: unread IDs oldest first = %v, want %v", step, got, want)
	}
	desc := slices.Clone(want)
	slices.Reverse(desc)
	if got := itemIDs(t, s, user, store.Query{Unread: true, ByID: true}); !slices.Equal(got, desc) {
		t.Errorf("%s: unread IDs newest first = %v, want %v", step, got, desc)
	}
	if got := sortedIDs(ids(all(t, s, user, store.Query{Unread: true}))); !slices.Equal(got, want) && len(want) > 0 {
		t.Errorf("%s: unread items by date = %v, want %v", step, got, want)
	}
	if n := count(t, s, user, store.Query{Unread: true}); n != len(want) {
		t.Errorf("%s: CountItems(unread) = %d, want %d", step, n, len(want))
	}
	if len(want) < 3 {
		return
	}
	if got := itemIDs(t, s, user, store.Query{Unread: true, ByID: true, Limit: 2}); !slices.Equal(got, desc[:2]) {
		t.Errorf("%s: 2 newest unread IDs = %v, want %v", step, got, desc[:2])
	}
	lo, hi := want[0], want[len(want)-1]
	if got := itemIDs(t, s, user, store.Query{Unread: true, ByID: true, Oldest: true, AfterID: lo, BeforeID: hi}); !slices.Equal(got, want[1:len(want)-1]) {
		t.Errorf("%s: unread IDs after %d and before %d = %v, want %v", step, lo, hi, got, want[1:len(want)-1])
	}
	if got := itemIDs(t, s, user, store.Query{Unread: true, ByID: true, BeforeID: hi, Limit: 1}); !slices.Equal(got, desc[1:2]) {
		t.Errorf("%s: newest unread ID before %d = %v, want %v", step, hi, got, desc[1:2])
	}
}
