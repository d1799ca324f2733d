package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// testUnreadByDate checks the unread listings by date (a backend may list
// them from its unread set) against the same listings with the read
// items left out by hand: newest and oldest first, in pages of every
// size, by feed and by tag, within times and IDs, with items published at
// the same time in several feeds (the ID breaks the tie) and unread
// starred items kept from a feed the user left.
func testUnreadByDate(t *testing.T, open opener) {
	s, alice := setup(t, open)
	bob := newUser(t, s, "bob")
	a := subscribe(t, s, alice, "https://a.test/feed", "news")
	b := subscribe(t, s, alice, "https://b.test/feed", "news", "tech")
	c := subscribe(t, s, alice, "https://c.test/feed")
	d := subscribe(t, s, alice, "https://d.test/feed", "tech")
	subscribe(t, s, bob, "https://b.test/feed", "news")
	// Feeds a and b publish at the same minutes: ties by date.
	save(t, s, a.ID, fetch(items("a", 8)...))
	save(t, s, b.ID, fetch(items("b", 8)...))
	save(t, s, c.ID, fetch(items("c", 5)...))
	tied := items("d", 4)
	for i := range tied {
		tied[i].Published = base.Add(3 * time.Minute)
	}
	save(t, s, d.ID, fetch(tied...))

	ga := byGUID(all(t, s, alice, store.Query{FeedID: a.ID}))
	gb := byGUID(all(t, s, alice, store.Query{FeedID: b.ID}))
	gc := byGUID(all(t, s, alice, store.Query{FeedID: c.ID}))
	setRead(t, s, alice, []int64{ga["a-guid-0"], ga["a-guid-3"], gb["b-guid-3"], gb["b-guid-5"], gc["c-guid-1"]}, true)
	setRead(t, s, bob, []int64{gb["b-guid-1"], gb["b-guid-2"]}, true)
	// Starred in c, one of them read, then c left: the unread one stays
	// among alice's unread items, of no subscription.
	setStarred(t, s, alice, []int64{gc["c-guid-2"], gc["c-guid-1"], ga["a-guid-4"]}, true)
	unsubscribe(t, s, alice, c.URL)

	for _, user := range []int64{alice, bob} {
		every := all(t, s, user, store.Query{})
		if len(every) < 2 {
			t.Fatalf("user %d: %d items", user, len(every))
		}
		mid := every[len(every)/2]
		queries := []store.Query{
			{},
			{FeedID: a.ID},
			{FeedID: c.ID},
			{Tag: "news"},
			{Tag: "tech"},
			{Since: base.Add(2 * time.Minute), Until: base.Add(6 * time.Minute)},
			{AfterID: mid.ID},
			{BeforeID: mid.ID, Tag: "news"},
		}
		for _, q := range queries {
			for _, oldest := range []bool{false, true} {
				q := q
				q.Oldest = oldest
				checkUnreadByDate(t, s, user, q)
			}
		}
	}
}

// checkUnreadByDate compares the user's unread items by date that q (no
// read filter) selects, listed whole, in pages of 1 to 4 and as IDs with
// limits, to q's items that are not read, in q's order.
func checkUnreadByDate(t *testing.T, s store.Store, user int64, q store.Query) {
	t.Helper()
	want := []int64{}
	for _, it := range all(t, s, user, q) {
		if !it.Read {
			want = append(want, it.ID)
		}
	}
	u := q
	u.Unread = true
	what := fmt.Sprintf("user %d, unread %+v", user, u)
	if got := ids(all(t, s, user, u)); !slices.Equal(nonNil(got), want) {
		t.Errorf("%s: items = %v, want %v", what, got, want)
	}
	for limit := 1; limit <= 4; limit++ {
		p := u
		p.Limit = limit
		if got := ids(all(t, s, user, p)); !slices.Equal(nonNil(got), want) {
			t.Errorf("%s: items in pages of %d = %v, want %v", what, limit, got, want)
		}
		if got := itemIDs(t, s, user, p); !slices.Equal(got, want[:min(limit, len(want))]) {
			t.Errorf("%s: ItemIDs(limit %d) = %v, want %v", what, limit, got, want[:min(limit, len(want))])
		}
	}
	if got := itemIDs(t, s, user, u); !slices.Equal(got, want) {
		t.Errorf("%s: ItemIDs = %v, want %v", what, got, want)
	}
	if n := count(t, s, user, u); n != len(want) {
		t.Errorf("%s: CountItems = %d, want %d", what, n, len(want))
	}
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
