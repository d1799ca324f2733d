package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// testOrders checks the four orders of Items and ItemIDs on twoFeeds,
// whose items are stored feed by feed but published alternately, so that
// the order by ID is not the order by date.
func testOrders(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s, u := setup(t, open)
		twoFeeds(t, s, u)
		newest := all(t, s, u, store.Query{})
		tests := []struct {
			name   string
			q      store.Query
			before func(a, b store.Item) bool // a must come before b
		}{
			{"newest", store.Query{}, func(a, b store.Item) bool { return a.Published.After(b.Published) }},
			{"oldest", store.Query{Oldest: true}, func(a, b store.Item) bool { return a.Published.Before(b.Published) }},
			{"by id", store.Query{ByID: true}, func(a, b store.Item) bool { return a.ID > b.ID }},
			{"by id ascending", store.Query{ByID: true, Oldest: true}, func(a, b store.Item) bool { return a.ID < b.ID }},
		}
		for _, tt := range tests {
			got := all(t, s, u, tt.q)
			if len(got) != 10 || !equalIDSet(ids(got), ids(newest)) {
				t.Errorf("%s: %v; want the same 10 items as newest first", tt.name, guids(got))
				continue
			}
			for i := 1; i < len(got); i++ {
				if !tt.before(got[i-1], got[i]) {
					t.Errorf("%s: %s before %s: %v", tt.name, got[i-1].GUID, got[i].GUID, guids(got))
				}
			}
			if got, want := itemIDs(t, s, u, tt.q), ids(got); !slices.Equal(got, want) {
				t.Errorf("%s: ItemIDs = %v; want %v, in Items' order", tt.name, got, want)
			}
			q := tt.q
			q.Limit = 3
			if got, want := itemIDs(t, s, u, q), ids(got[:3]); !slices.Equal(got, want) {
				t.Errorf("%s: ItemIDs with Limit 3 = %v; want the first 3, %v", tt.name, got, want)
			}
			q.Cursor = "ignored by ItemIDs"
			if _, err := s.ItemIDs(t.Context(), u, q); err != nil {
				t.Errorf("%s: ItemIDs with a cursor: %v; want it ignored", tt.name, err)
			}
		}
		byID := ids(all(t, s, u, store.Query{ByID: true}))
		if slices.Equal(byID, ids(newest)) {
			t.Errorf("order by ID %v is the order by date: the test does not tell them apart", byID)
		}
	}
}

// testIDRanges checks AfterID and BeforeID, alone, together and with
// other filters.
func testIDRanges(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s, u := setup(t, open)
		_, b := twoFeeds(t, s, u)
		asc := itemIDs(t, s, u, store.Query{ByID: true, Oldest: true})
		if len(asc) != 10 {
			t.Fatalf("%d ids; want 10", len(asc))
		}
		bIDs := sortedIDs(ids(all(t, s, u, store.Query{FeedID: b.ID})))
		var bAfter []int64
		for _, id := range bIDs {
			if id > asc[4] {
				bAfter = append(bAfter, id)
			}
		}
		tests := []struct {
			name string
			q    store.Query
			want []int64
		}{
			{"after", store.Query{AfterID: asc[4]}, asc[5:]},
			{"before", store.Query{BeforeID: asc[4]}, asc[:4]},
			{"between", store.Query{AfterID: asc[1], BeforeID: asc[5]}, asc[2:5]},
			{"after the last", store.Query{AfterID: asc[9]}, nil},
			{"before the first", store.Query{BeforeID: asc[0]}, nil},
			{"empty range", store.Query{AfterID: asc[5], BeforeID: asc[5]}, nil},
			{"after, in b", store.Query{AfterID: asc[4], FeedID: b.ID}, bAfter},
		}
		for _, tt := range tests {
			got := all(t, s, u, tt.q)
			if !equalIDSet(ids(got), tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, ids(got), tt.want)
			}
			q := tt.q
			q.ByID, q.Oldest = true, true
			if got := itemIDs(t, s, u, q); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("%s: ItemIDs by ID ascending = %v; want %v", tt.name, got, tt.want)
			}
			if n := count(t, s, u, tt.q); n != len(tt.want) {
				t.Errorf("%s: CountItems = %d; want %d", tt.name, n, len(tt.want))
			}
		}
		// Pages after an ID, by ID ascending: what an API syncing "what is
		// new since" walks.
		got := pages(t, s, u, store.Query{AfterID: asc[2], ByID: true, Oldest: true, Limit: 2})
		if !slices.Equal(ids(got), asc[3:]) {
			t.Errorf("pages after %d by ID = %v; want %v", asc[2], ids(got), asc[3:])
		}
		if n, err := s.MarkAllRead(t.Context(), u, store.Query{BeforeID: asc[3]}); err != nil || n != 3 {
			t.Errorf("MarkAllRead(before %d) = %d, %v; want 3", asc[3], n, err)
		}
		if got := itemIDs(t, s, u, store.Query{Read: true, ByID: true, Oldest: true}); !slices.Equal(got, asc[:3]) {
			t.Errorf("read after MarkAllRead(before) = %v; want %v", got, asc[:3])
		}
	}
}

// testIDLists checks Query.IDs: nil keeps all, empty keeps none, unknown
// IDs are ignored, and other filters still apply.
func testIDLists(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		twoFeeds(t, s, u)
		asc := itemIDs(t, s, u, store.Query{ByID: true, Oldest: true})
		setRead(t, s, u, asc[:1], true)
		tests := []struct {
			name string
			q    store.Query
			want []int64
		}{
			{"nil", store.Query{IDs: nil}, asc},
			{"empty", store.Query{IDs: []int64{}}, nil},
			{"two and an unknown", store.Query{IDs: []int64{asc[7], asc[0], asc[9] + 1000}}, []int64{asc[0], asc[7]}},
			{"repeated", store.Query{IDs: []int64{asc[3], asc[3]}}, []int64{asc[3]}},
			{"unread of two", store.Query{IDs: []int64{asc[0], asc[7]}, Unread: true}, []int64{asc[7]}},
			{"and a range", store.Query{IDs: []int64{asc[0], asc[5], asc[8]}, AfterID: asc[1]}, []int64{asc[5], asc[8]}},
		}
		for _, tt := range tests {
			got := all(t, s, u, tt.q)
			if !equalIDSet(ids(got), tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, ids(got), tt.want)
			}
			if n := count(t, s, u, tt.q); n != len(tt.want) {
				t.Errorf("%s: CountItems = %d; want %d", tt.name, n, len(tt.want))
			}
			if got := itemIDs(t, s, u, tt.q); !equalIDSet(got, tt.want) {
				t.Errorf("%s: ItemIDs = %v; want %v", tt.name, got, tt.want)
			}
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{IDs: []int64{}}); err != nil || n != 0 {
			t.Errorf("MarkAllRead(empty IDs) = %d, %v; want 0", n, err)
		}
		if n := count(t, s, u, store.Query{Unread: true}); n != 9 {
			t.Errorf("%d unread after MarkAllRead of no IDs; want 9", n)
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{IDs: []int64{asc[0], asc[4], asc[6]}}); err != nil || n != 2 {
			t.Errorf("MarkAllRead(3 IDs, one read) = %d, %v; want 2", n, err)
		}
		if got := itemIDs(t, s, u, store.Query{Read: true}); !equalIDSet(got, []int64{asc[0], asc[4], asc[6]}) {
			t.Errorf("read items = %v; want %v", got, []int64{asc[0], asc[4], asc[6]})
		}
	}
}

func testSubscriptionByID(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		a, b := twoFeeds(t, s, u)
		setRead(t, s, u, ids(all(t, s, u, store.Query{FeedID: a.ID, Limit: 2}))[:2], true)
		for _, f := range []store.Subscription{a, b} {
			got, err := s.SubscriptionByID(ctx, u, f.ID)
			if err != nil {
				t.Fatalf("SubscriptionByID(%d): %v", f.ID, err)
			}
			want := subByURL(t, s, u, f.URL)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("SubscriptionByID(%d) = %+v;\nwant %+v, as Subscription by URL", f.ID, got, want)
			}
		}
		if got, err := s.SubscriptionByID(ctx, u, a.ID); err != nil || got.Items != 6 || got.Unread != 4 {
			t.Errorf("SubscriptionByID counts %d/%d, %v; want 6 items 4 unread", got.Items, got.Unread, err)
		}
		_, err := s.SubscriptionByID(ctx, u, a.ID+b.ID+1000)
		wantErr(t, "SubscriptionByID of an unknown feed", err, store.ErrNotFound)
	}
}

// markAllReadFilters checks MarkAllRead with Until, Tag and FeedID.
func markAllReadFilters(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		a, b := twoFeeds(t, s, u)
		until := base.Add(4 * time.Minute) // a0 a1, b0 b1 before it
		n, err := s.MarkAllRead(ctx, u, store.Query{Until: until})
		if err != nil || n != 4 {
			t.Errorf("MarkAllRead(until) = %d, %v; want 4", n, err)
		}
		for _, it := range all(t, s, u, store.Query{}) {
			if it.Read != it.Published.Before(until) {
				t.Errorf("after MarkAllRead(until %v): %s published %v read %v", until, it.GUID, it.Published, it.Read)
			}
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{Until: until}); err != nil || n != 0 {
			t.Errorf("MarkAllRead(until) again = %d, %v; want 0 changed", n, err)
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{Tag: "news", FeedID: a.ID}); err != nil || n != 0 {
			t.Errorf("MarkAllRead(tag news, feed a) = %d, %v; want 0 (a is not tagged news)", n, err)
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{Tag: "news", FeedID: b.ID, Until: base.Add(6 * time.Minute)}); err != nil || n != 1 {
			t.Errorf("MarkAllRead(tag news, feed b, until) = %d, %v; want 1 (b2)", n, err)
		}
		if got := count(t, s, u, store.Query{FeedID: b.ID, Unread: true}); got != 1 {
			t.Errorf("%d unread in b; want 1 (b3)", got)
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{FeedID: a.ID}); err != nil || n != 4 {
			t.Errorf("MarkAllRead(feed a) = %d, %v; want 4", n, err)
		}
		if got := count(t, s, u, store.Query{Unread: true}); got != 1 {
			t.Errorf("%d unread; want 1", got)
		}
	}
}

// testCounts checks UnreadCounts and Tags against counts through
// CountItems.
func testCounts(t *testing.T, open opener) {
	s, u := setup(t, open)
	ctx := t.Context()
	feeds := []struct {
		url  string
		tags []string
		n    int
	}{
		{"https://a.test/feed", []string{"go", "news"}, 5},
		{"https://b.test/feed", []string{"news"}, 4},
		{"https://c.test/feed", nil, 3},
		{"https://d.test/feed", []string{"go"}, 0},
	}
	for i, f := range feeds {
		got := subscribe(t, s, u, f.url, f.tags...)
		save(t, s, got.ID, fetch(items(string(rune('a'+i)), f.n)...))
	}
	g := byGUID(all(t, s, u, store.Query{}))
	setRead(t, s, u, []int64{g["a-guid-0"], g["a-guid-3"], g["b-guid-1"], g["b-guid-2"]}, true)
	checkCounts(t, s, u, "after reading 4")
	c, err := s.UnreadCounts(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 8 {
		t.Errorf("UnreadCounts.Total = %d; want 8", c.Total)
	}
	tags, err := s.Tags(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range tags {
		names = append(names, tg.Name)
	}
	if !slices.Equal(names, []string{"go", "news"}) {
		t.Errorf("Tags = %q; want [go news], by name", names)
	}
	if len(tags) == 2 && (tags[0].Feeds != 2 || tags[1].Feeds != 2) {
		t.Errorf("Tags count %d and %d feeds; want 2 and 2", tags[0].Feeds, tags[1].Feeds)
	}
	if _, err := s.MarkAllRead(ctx, u, store.Query{Tag: "news"}); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, s, u, "after marking news read")
	if c, err := s.UnreadCounts(ctx, u); err != nil || c.Total != 3 {
		t.Errorf("UnreadCounts.Total = %d, %v; want c's 3", c.Total, err)
	}
}

// checkCounts checks every count a user's subscriptions, tags and
// UnreadCounts give against CountItems of the same selection.
func checkCounts(t *testing.T, s store.Store, u int64, step string) {
	t.Helper()
	ctx := t.Context()
	subs, err := s.Subscriptions(ctx, u, true)
	if err != nil {
		t.Fatalf("%s: Subscriptions: %v", step, err)
	}
	c, err := s.UnreadCounts(ctx, u)
	if err != nil {
		t.Fatalf("%s: UnreadCounts: %v", step, err)
	}
	total := 0
	for _, f := range subs {
		unread := count(t, s, u, store.Query{FeedID: f.ID, Unread: true})
		stored := count(t, s, u, store.Query{FeedID: f.ID})
		total += unread
		if f.Unread != unread || f.Items != stored {
			t.Errorf("%s: Subscriptions: %s counts %d items %d unread; CountItems says %d and %d",
				step, f.URL, f.Items, f.Unread, stored, unread)
		}
		if one := subByURL(t, s, u, f.URL); one.Unread != unread || one.Items != stored {
			t.Errorf("%s: Subscription(%s) counts %d items %d unread; CountItems says %d and %d",
				step, f.URL, one.Items, one.Unread, stored, unread)
		}
		if c.Feeds[f.ID] != unread {
			t.Errorf("%s: UnreadCounts.Feeds[%d] (%s) = %d; want %d", step, f.ID, f.URL, c.Feeds[f.ID], unread)
		}
	}
	for id := range c.Feeds {
		if !slices.ContainsFunc(subs, func(f store.Subscription) bool { return f.ID == id }) {
			t.Errorf("%s: UnreadCounts.Feeds has feed %d, which the user does not subscribe to", step, id)
		}
	}
	if c.Total != total {
		t.Errorf("%s: UnreadCounts.Total = %d; want %d, the sum over the subscriptions", step, c.Total, total)
	}
	// Every selection a backend may count from kept counts, against the
	// items listed (count checks that), for the feeds of every item the
	// user can read: subscribed or starred in a feed they left.
	// The subscribed feeds' are counted above; here all of them (FeedID
	// 0) and the feeds the user left but starred items of.
	seen := map[int64]bool{0: true}
	for _, it := range all(t, s, u, store.Query{Starred: true}) {
		if !slices.ContainsFunc(subs, func(f store.Subscription) bool { return f.ID == it.FeedID }) {
			seen[it.FeedID] = true
		}
	}
	for id := range seen {
		for _, q := range []store.Query{{FeedID: id}, {FeedID: id, Unread: true}, {FeedID: id, Read: true}} {
			count(t, s, u, q)
		}
	}
	count(t, s, u, store.Query{Unread: true, Read: true})
	// The IDs of unread items by ID, which a backend may list apart from
	// its other listings, against the items Items lists.
	asc := itemIDs(t, s, u, store.Query{ByID: true, Oldest: true})
	for id := range seen {
		q := store.Query{FeedID: id, Unread: true, ByID: true}
		if len(asc) > 2 {
			q.AfterID, q.BeforeID = asc[0], asc[len(asc)-1]+1
		}
		desc := ids(all(t, s, u, q))
		up := slices.Clone(desc)
		slices.Reverse(up)
		for _, limit := range []int{0, 2} {
			for _, oldest := range []bool{false, true} {
				q.Limit, q.Oldest = limit, oldest
				want := desc
				if oldest {
					want = up
				}
				if limit > 0 && len(want) > limit {
					want = want[:limit]
				}
				if got := itemIDs(t, s, u, q); !slices.Equal(got, want) {
					t.Errorf("%s: ItemIDs(%+v) = %v; want %v, as Items lists them", step, q, got, want)
				}
			}
		}
	}
	tags, err := s.Tags(ctx, u)
	if err != nil {
		t.Fatalf("%s: Tags: %v", step, err)
	}
	for _, tg := range tags {
		unread := count(t, s, u, store.Query{Tag: tg.Name, Unread: true})
		count(t, s, u, store.Query{Tag: tg.Name})
		count(t, s, u, store.Query{Tag: tg.Name, Read: true})
		feeds := 0
		for _, f := range subs {
			if slices.Contains(f.Tags, tg.Name) {
				feeds++
			}
		}
		if tg.Unread != unread || tg.Feeds != feeds {
			t.Errorf("%s: tag %s counts %d feeds %d unread; want %d and %d", step, tg.Name, tg.Feeds, tg.Unread, feeds, unread)
		}
		if c.Tags[tg.ID] != unread {
			t.Errorf("%s: UnreadCounts.Tags[%d] (%s) = %d; want %d", step, tg.ID, tg.Name, c.Tags[tg.ID], unread)
		}
	}
	for id := range c.Tags {
		if !slices.ContainsFunc(tags, func(tg store.Tag) bool { return tg.ID == id }) {
			t.Errorf("%s: UnreadCounts.Tags has tag %d, which Tags does not list", step, id)
		}
	}
}

// testTags checks that a tag's ID stays while any subscription has it.
func testTags(t *testing.T, open opener) {
	s, u := setup(t, open)
	ctx := t.Context()
	tagIDs := func(step string) map[string]int64 {
		t.Helper()
		tags, err := s.Tags(ctx, u)
		if err != nil {
			t.Fatalf("%s: Tags: %v", step, err)
		}
		out := make(map[string]int64)
		seen := make(map[int64]bool)
		for _, tg := range tags {
			if tg.ID == 0 || seen[tg.ID] {
				t.Errorf("%s: tag %s has ID %d, zero or another tag's", step, tg.Name, tg.ID)
			}
			seen[tg.ID] = true
			out[tg.Name] = tg.ID
		}
		return out
	}
	edit := func(url string, e store.FeedEdit) {
		t.Helper()
		if _, err := s.EditSubscription(ctx, u, url, e); err != nil {
			t.Fatalf("EditSubscription(%s): %v", url, err)
		}
	}
	a := subscribe(t, s, u, "https://a.test/feed", "go", "news")
	first := tagIDs("first")
	if len(first) != 2 {
		t.Fatalf("Tags = %v; want go and news", first)
	}
	b := subscribe(t, s, u, "https://b.test/feed", "go", "rust")
	steps := []struct {
		name string
		do   func()
		want []string // the tags there; those in first keep their ID
	}{
		{"another subscription gains go", func() {}, []string{"go", "news", "rust"}},
		{"news renamed to world", func() {
			edit(a.URL, store.FeedEdit{AddTags: []string{"world"}, RemoveTags: []string{"news"}})
		}, []string{"go", "rust", "world"}},
		{"go leaves a, b still has it", func() {
			edit(a.URL, store.FeedEdit{RemoveTags: []string{"go"}})
		}, []string{"go", "rust", "world"}},
		{"an import tags c with GO", func() {
			if _, err := s.ImportFeeds(ctx, u, []store.Subscription{sub("https://c.test/feed", "GO")}); err != nil {
				t.Fatal(err)
			}
		}, []string{"go", "rust", "world"}},
		{"a unsubscribed", func() { unsubscribe(t, s, u, a.URL) }, []string{"go", "rust"}},
	}
	prev := tagIDs("before")
	for _, st := range steps {
		st.do()
		got := tagIDs(st.name)
		var names []string
		for n, id := range got {
			names = append(names, n)
			if old, ok := prev[n]; ok && old != id {
				t.Errorf("%s: tag %s has ID %d; it had %d", st.name, n, id, old)
			}
		}
		if !equalSet(names, st.want) {
			t.Errorf("%s: tags %q; want %q", st.name, names, st.want)
		}
		prev = got
	}
	if prev["go"] != first["go"] {
		t.Errorf("go has ID %d at the end; it had %d at first", prev["go"], first["go"])
	}
	// The IDs are the user's: another user's same tag names do not move them.
	bob := newUser(t, s, "bob")
	subscribe(t, s, bob, b.URL, "go", "rust")
	unsubscribe(t, s, u, "https://c.test/feed")
	if got := tagIDs("after bob tags"); got["go"] != first["go"] || got["rust"] != prev["rust"] {
		t.Errorf("tag IDs after another user's tags = %v; want go %d and rust %d kept", got, first["go"], prev["rust"])
	}
}

// pruneTwoUsers checks that Prune deletes only what every subscriber of a
// feed has read and nobody starred.
func pruneTwoUsers(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
		shared := subscribe(t, s, alice, "https://shared.test/feed")
		subscribe(t, s, bob, shared.URL)
		left := subscribe(t, s, alice, "https://left.test/feed") // alice leaves it, bob stays
		subscribe(t, s, bob, left.URL)
		gone := subscribe(t, s, alice, "https://gone.test/feed") // alice's alone, she leaves it
		its := items("p", 6)
		save(t, s, shared.ID, fetch(its...))
		save(t, s, left.ID, fetch(items("l", 2)...))
		save(t, s, gone.ID, fetch(items("g", 2)...))
		g := byGUID(all(t, s, alice, store.Query{}))
		both := func(id ...int64) {
			setRead(t, s, alice, id, true)
			setRead(t, s, bob, id, true)
		}
		both(g["p-guid-0"], g["p-guid-2"], g["p-guid-3"], g["p-guid-4"]) // p-4 is after the cutoff
		setRead(t, s, alice, []int64{g["p-guid-1"]}, true)               // bob has not read it
		setStarred(t, s, bob, []int64{g["p-guid-2"]}, true)              // read by both, bob's star keeps it
		setRead(t, s, bob, []int64{g["l-guid-0"]}, true)                 // bob, the only subscriber left, read it
		unsubscribe(t, s, alice, left.URL)
		setRead(t, s, alice, []int64{g["g-guid-0"]}, true)
		setStarred(t, s, alice, []int64{g["g-guid-0"]}, true) // kept after the feed goes
		unsubscribe(t, s, alice, gone.URL)

		cutoff := its[4].Published
		n, err := s.Prune(ctx, cutoff, true)
		if err != nil || n != 3 {
			t.Fatalf("Prune dry run = %d, %v; want 3 (p-0, p-3, l-0)", n, err)
		}
		if n := count(t, s, bob, store.Query{}); n != 8 {
			t.Fatalf("dry run deleted: bob has %d items; want 8", n)
		}
		if n, err := s.Prune(ctx, cutoff, false); err != nil || n != 3 {
			t.Fatalf("Prune = %d, %v; want 3", n, err)
		}
		for _, c := range []struct {
			user int64
			want []string
		}{
			{alice, []string{"p-guid-1", "p-guid-2", "p-guid-4", "p-guid-5", "g-guid-0"}},
			{bob, []string{"p-guid-1", "p-guid-2", "p-guid-4", "p-guid-5", "l-guid-1"}},
		} {
			if got := guids(all(t, s, c.user, store.Query{})); !equalSet(got, c.want) {
				t.Errorf("user %d after Prune: %v; want %v", c.user, got, c.want)
			}
			checkCounts(t, s, c.user, "after Prune")
		}
		if res := save(t, s, shared.ID, fetch(its...)); res.New != 0 {
			t.Errorf("refetch after Prune = %+v; want 0 new (tombstones)", res)
		}

		// Once alice unstars her kept item nobody stars it: it goes too.
		setStarred(t, s, alice, []int64{g["g-guid-0"]}, false)
		if n, err := s.Prune(ctx, fetchTime.Add(time.Hour), false); err != nil || n != 2 {
			t.Errorf("Prune after unstarring = %d, %v; want 2 (the kept item and p-4)", n, err)
		}
		if got := guids(all(t, s, bob, store.Query{})); !equalSet(got, []string{"p-guid-1", "p-guid-2", "p-guid-5", "l-guid-1"}) {
			t.Errorf("bob after the second Prune: %v", got)
		}
	}
}
