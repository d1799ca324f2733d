package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// twoFeeds stores feed a (tag "go", 6 items) and feed b (tag "news", 4
// items); the items of a are published at even minutes, b's at odd ones.
func twoFeeds(t *testing.T, s store.Store, u int64) (a, b store.Subscription) {
	t.Helper()
	a = subscribe(t, s, u, "https://a.test/feed", "go")
	b = subscribe(t, s, u, "https://b.test/feed", "news")
	var ai, bi []store.Item
	for i := range 6 {
		it := item("a", i)
		it.Published = base.Add(time.Duration(2*i) * time.Minute)
		ai = append(ai, it)
	}
	for i := range 4 {
		it := item("b", i)
		it.Published = base.Add(time.Duration(2*i+1) * time.Minute)
		bi = append(bi, it)
	}
	save(t, s, a.ID, fetch(ai...))
	save(t, s, b.ID, fetch(bi...))
	return a, b
}

func testQuery(t *testing.T, open opener) {
	t.Run("Filters", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		a, b := twoFeeds(t, s, u)
		every := all(t, s, u, store.Query{})
		if len(every) != 10 {
			t.Fatalf("%d items; want 10", len(every))
		}
		for i := 1; i < len(every); i++ {
			if every[i].Published.After(every[i-1].Published) {
				t.Fatalf("items not newest first: %v", guids(every))
			}
		}
		if every[0].GUID != "a-guid-5" {
			t.Errorf("newest = %s; want a-guid-5", every[0].GUID)
		}
		if _, err := s.SetRead(ctx, u, []int64{every[0].ID, every[1].ID}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStarred(ctx, u, []int64{every[2].ID}, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			q    store.Query
			want int
		}{
			{"feed url", store.Query{FeedURL: a.URL}, 6},
			{"feed id", store.Query{FeedID: b.ID}, 4},
			{"tag", store.Query{Tag: "news"}, 4},
			{"unknown tag", store.Query{Tag: "nope"}, 0},
			{"unknown feed", store.Query{FeedURL: "https://nowhere.test/"}, 0},
			{"unread", store.Query{Unread: true}, 8},
			{"starred", store.Query{Starred: true}, 1},
			{"since", store.Query{Since: base.Add(6 * time.Minute)}, 4},
			{"unread in a since", store.Query{FeedURL: a.URL, Unread: true, Since: base.Add(4 * time.Minute)}, 2},
			{"read", store.Query{Read: true}, 2},
			{"read of a", store.Query{FeedID: a.ID, Read: true}, 2},
			{"read of b", store.Query{FeedID: b.ID, Read: true}, 0},
			{"until", store.Query{Until: base.Add(6 * time.Minute)}, 6},
			{"since and until", store.Query{Since: base.Add(2 * time.Minute), Until: base.Add(6 * time.Minute)}, 4},
			{"unread until in b", store.Query{FeedID: b.ID, Unread: true, Until: base.Add(4 * time.Minute)}, 2},
			{"feed url and another id", store.Query{FeedURL: a.URL, FeedID: b.ID}, 0},
			{"feed url and its id", store.Query{FeedURL: a.URL, FeedID: a.ID}, 6},
		}
		for _, tt := range tests {
			got := all(t, s, u, tt.q)
			if len(got) != tt.want {
				t.Errorf("%s: %d items %v; want %d", tt.name, len(got), guids(got), tt.want)
			}
			for _, it := range got {
				if (tt.q.FeedID != 0 && it.FeedID != tt.q.FeedID) || (tt.q.Unread && it.Read) || (tt.q.Read && !it.Read) ||
					(tt.q.Starred && !it.Starred) || (tt.q.FeedURL != "" && it.FeedURL != tt.q.FeedURL) ||
					(tt.q.Tag != "" && !slices.Contains(it.Tags, tt.q.Tag)) || it.Published.Before(tt.q.Since) ||
					(!tt.q.Until.IsZero() && !it.Published.Before(tt.q.Until)) {
					t.Errorf("%s: item %+v does not match", tt.name, it)
				}
			}
			if n := count(t, s, u, tt.q); n != len(got) {
				t.Errorf("%s: CountItems = %d; want %d, as Items", tt.name, n, len(got))
			}
			if got, want := itemIDs(t, s, u, tt.q), ids(got); !slices.Equal(got, want) {
				t.Errorf("%s: ItemIDs = %v; want %v, the IDs of Items in order", tt.name, got, want)
			}
		}
		page, next, err := s.Items(ctx, u, store.Query{Limit: 0})
		if err != nil || len(page) != 10 || next != "" {
			t.Errorf("Limit 0 = %d items, next %q, %v; want all 10 and no next page", len(page), next, err)
		}
	})

	t.Run("CursorCoversEveryItemOnce", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://page.test/feed")
		its := items("pg", 53)
		for i := range its {
			// Many items share a published time: the cursor must still
			// neither skip nor repeat.
			its[i].Published = base.Add(time.Duration(i/5) * time.Minute)
		}
		save(t, s, f.ID, fetch(its...))
		if n := len(all(t, s, u, store.Query{})); n != 53 {
			t.Fatalf("%d items; want 53", n)
		}
		orders := []struct {
			name string
			q    store.Query
		}{
			{"newest", store.Query{}},
			{"oldest", store.Query{Oldest: true}},
			{"by id", store.Query{ByID: true}},
			{"by id ascending", store.Query{ByID: true, Oldest: true}},
		}
		for _, o := range orders {
			whole := all(t, s, u, o.q)
			for _, size := range []int{1, 5, 7, 53, 100} {
				q := o.q
				q.Limit = size
				got := pages(t, s, u, q)
				if !slices.Equal(ids(got), ids(whole)) {
					t.Errorf("%s, pages of %d = %v; want %v, the order of one page", o.name, size, guids(got), guids(whole))
				}
			}
		}
		for _, size := range []int{1, 5, 7, 53, 100} {
			var got []store.Item
			q := store.Query{Limit: size}
			pages := 0
			for {
				page, next, err := s.Items(t.Context(), u, q)
				if err != nil {
					t.Fatalf("Items: %v", err)
				}
				if len(page) > size {
					t.Fatalf("page of %d items; limit %d", len(page), size)
				}
				got = append(got, page...)
				pages++
				if next == "" {
					break
				}
				if pages > 100 {
					t.Fatal("cursor never ends")
				}
				q.Cursor = next
			}
			seen := make(map[string]bool)
			for _, it := range got {
				if seen[it.GUID] {
					t.Errorf("size %d: %s twice", size, it.GUID)
				}
				seen[it.GUID] = true
			}
			if len(seen) != 53 {
				t.Errorf("size %d: %d distinct items; want 53", size, len(seen))
			}
			if want := (53 + size - 1) / size; pages != want && !(53%size == 0 && pages == want+1) {
				t.Errorf("size %d: %d pages; want %d", size, pages, want)
			}
		}
		if _, _, err := s.Items(t.Context(), u, store.Query{Cursor: "not a cursor!"}); err == nil {
			t.Error("Items with a garbage cursor succeeded")
		}
	})

	t.Run("Orders", testOrders(open))
	t.Run("IDRanges", testIDRanges(open))
	t.Run("IDLists", testIDLists(open))
	t.Run("SubscriptionByID", testSubscriptionByID(open))
}

// pages follows the cursor of q page by page, checking each page's size.
func pages(t *testing.T, s store.Store, u int64, q store.Query) []store.Item {
	t.Helper()
	var out []store.Item
	for range 1000 {
		page, next, err := s.Items(t.Context(), u, q)
		if err != nil {
			t.Fatalf("Items(%+v): %v", q, err)
		}
		if q.Limit > 0 && len(page) > q.Limit {
			t.Fatalf("page of %d items; limit %d", len(page), q.Limit)
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

func testSearch(t *testing.T, open opener) {
	s, u := setup(t, open)
	ctx := t.Context()
	a := subscribe(t, s, u, "https://sa.test/feed", "go")
	b := subscribe(t, s, u, "https://sb.test/feed", "news")
	mk := func(n int, title, content string) store.Item {
		it := item("s", n)
		it.Title, it.Content = title, content
		return it
	}
	save(t, s, a.ID, fetch(
		mk(1, "Weekly notes", "<p>Many things happened. In passing, a gopher was seen.</p>"),
		mk(2, "Gopher gopher: all about the gopher", "<p>The <b>gopher</b> is the Go mascot; gophers love gopher burrows.</p>"),
		mk(3, "Unrelated", "<p>Nothing to see.</p>"),
		mk(4, "Script", `<script>var zebra = 1;</script><p>visible text</p>`),
	))
	save(t, s, b.ID, fetch(mk(5, "News of a gopher", "<p>A gopher in the news.</p>")))

	got := all(t, s, u, store.Query{Search: "gopher"})
	if len(got) != 3 || got[0].GUID != "s-guid-2" {
		t.Errorf("search gopher = %v; want 3 results, s-guid-2 (title and body, many times) first", guids(got))
	}
	if i := slices.Index(guids(got), "s-guid-1"); i >= 0 && i < slices.Index(guids(got), "s-guid-2") {
		t.Errorf("passing mention ranked above the main article: %v", guids(got))
	}
	if got := all(t, s, u, store.Query{Search: "GOPHER mascot"}); len(got) != 1 || got[0].GUID != "s-guid-2" {
		t.Errorf("search for two words = %v; want only s-guid-2", guids(got))
	}
	if got := all(t, s, u, store.Query{Search: "zebra"}); len(got) != 0 {
		t.Errorf("search found text inside <script>: %v", guids(got))
	}
	if got := all(t, s, u, store.Query{Search: "b"}); len(got) != 0 {
		t.Errorf("search found an HTML tag name: %v", guids(got))
	}
	if got := all(t, s, u, store.Query{Search: "goph*"}); len(got) != 3 {
		t.Errorf("prefix search goph* = %v; want 3", guids(got))
	}

	// Filters still apply.
	if got := all(t, s, u, store.Query{Search: "gopher", Tag: "news"}); len(got) != 1 || got[0].GUID != "s-guid-5" {
		t.Errorf("search with tag = %v; want s-guid-5", guids(got))
	}
	if got := all(t, s, u, store.Query{Search: "gopher", FeedURL: a.URL}); len(got) != 2 {
		t.Errorf("search with feed = %v; want 2", guids(got))
	}
	if _, err := s.SetRead(ctx, u, []int64{got[0].ID}, true); err != nil {
		t.Fatal(err)
	}
	if got := all(t, s, u, store.Query{Search: "gopher", Unread: true}); len(got) != 2 || slices.Contains(guids(got), "s-guid-2") {
		t.Errorf("search unread = %v; want 2 without the read one", guids(got))
	}
	// Pages of a search cover every result once, in rank order.
	var paged []store.Item
	q := store.Query{Search: "gopher", Limit: 1}
	for range 10 {
		page, next, err := s.Items(ctx, u, q)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if fmt.Sprint(guids(paged)) != fmt.Sprint(guids(all(t, s, u, store.Query{Search: "gopher"}))) {
		t.Errorf("paged search = %v; want the same as one page", guids(paged))
	}
	// An edit reaches the index.
	changed := mk(3, "Unrelated no more", "<p>Now about a platypus.</p>")
	save(t, s, a.ID, fetch(changed))
	if got := all(t, s, u, store.Query{Search: "platypus"}); len(got) != 1 {
		t.Errorf("search after update = %v; want the updated item", guids(got))
	}
	if got := all(t, s, u, store.Query{Search: "nothing"}); len(got) != 0 {
		t.Errorf("old text still found after update: %v", guids(got))
	}

	hostile := []string{`"`, `AND(`, `gopher AND`, `OR`, `NOT gopher`, `*`, `"gopher`, `gopher"`, `(`, `)`,
		`title:gopher`, `NEAR(a b`, `^gopher`, `-gopher`, `+`, `{title}: x`, `'; DROP TABLE items; --`,
		"\x00", "gopher\x00", strings.Repeat("(", 1000), `""""`, `col:`, `a:b:c`, "\xff\xfe", "   "}
	for _, h := range hostile {
		if _, _, err := s.Items(ctx, u, store.Query{Search: h}); err != nil {
			t.Errorf("search %q: %v", h, err)
		}
		if _, err := s.MarkAllRead(ctx, u, store.Query{Search: h, Tag: "nope"}); err != nil {
			t.Errorf("MarkAllRead search %q: %v", h, err)
		}
	}
	if got := all(t, s, u, store.Query{Search: `"gopher"`}); len(got) != 3 {
		t.Errorf(`search "gopher" with quotes = %v; want 3`, guids(got))
	}

	// A prefix matches the words that start with it, letter for letter.
	// A stemmer would store "bicycles" as "bicycl" and stem the prefix
	// "bicy" into "bici", which then prefixes nothing.
	save(t, s, b.ID, fetch(mk(6, "Bicycles for everyone", "<p>Happy riders, happiness all round.</p>")))
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"bicy*", []string{"s-guid-6"}},
		{"bic*", []string{"s-guid-6"}},
		{"bicycl*", []string{"s-guid-6"}},
		{"BICY*", []string{"s-guid-6"}},
		{"bicycles", []string{"s-guid-6"}},
		{"happ*", []string{"s-guid-1", "s-guid-6"}}, // "happened" too
		{"happy*", []string{"s-guid-6"}},
		{"happi*", []string{"s-guid-6"}},
	} {
		if got := guids(all(t, s, u, store.Query{Search: tc.q})); !equalSet(got, tc.want) {
			t.Errorf("search %s = %v; want %v", tc.q, got, tc.want)
		}
	}
	// Without stemming a word matches only itself.
	if got := all(t, s, u, store.Query{Search: "bicycle"}); len(got) != 0 {
		t.Errorf("search bicycle = %v; want nothing (the text says bicycles)", guids(got))
	}
}

func testMarks(t *testing.T, open opener) {
	t.Run("SetReadAndStarredCount", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		twoFeeds(t, s, u)
		every := all(t, s, u, store.Query{})
		n, err := s.SetRead(ctx, u, []int64{every[0].ID, every[1].ID, every[1].ID, 999_999}, true)
		if err != nil || n != 2 {
			t.Errorf("SetRead = %d, %v; want 2 (the unknown ID does not count)", n, err)
		}
		n, err = s.SetRead(ctx, u, []int64{every[0].ID}, true)
		if err != nil || n != 1 {
			t.Errorf("SetRead of a read item = %d, %v; want 1 (it exists)", n, err)
		}
		if got := all(t, s, u, store.Query{Unread: true}); len(got) != 8 {
			t.Errorf("%d unread; want 8", len(got))
		}
		n, err = s.SetRead(ctx, u, []int64{every[0].ID}, false)
		if err != nil || n != 1 {
			t.Errorf("SetRead false = %d, %v", n, err)
		}
		if got := all(t, s, u, store.Query{Unread: true}); len(got) != 9 {
			t.Errorf("%d unread after unread; want 9", len(got))
		}
		n, err = s.SetStarred(ctx, u, []int64{every[3].ID, 999_999}, true)
		if err != nil || n != 1 {
			t.Errorf("SetStarred = %d, %v; want 1", n, err)
		}
		if got, err := s.Item(ctx, u, every[3].ID); err != nil || !got.Starred {
			t.Errorf("item not starred: %+v %v", got, err)
		}
		n, err = s.SetStarred(ctx, u, []int64{every[3].ID}, false)
		if err != nil || n != 1 {
			t.Errorf("SetStarred false = %d, %v", n, err)
		}
		if got := all(t, s, u, store.Query{Starred: true}); len(got) != 0 {
			t.Errorf("%d starred after unstar; want 0", len(got))
		}
		if n, err := s.SetRead(ctx, u, nil, true); err != nil || n != 0 {
			t.Errorf("SetRead(nil) = %d, %v", n, err)
		}
	})

	t.Run("MarkAllReadFilters", markAllReadFilters(open))

	t.Run("MarkAllRead", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		a, _ := twoFeeds(t, s, u)
		every := all(t, s, u, store.Query{FeedID: a.ID})
		if _, err := s.SetRead(ctx, u, []int64{every[0].ID}, true); err != nil {
			t.Fatal(err)
		}
		n, err := s.MarkAllRead(ctx, u, store.Query{FeedURL: a.URL, Limit: 1})
		if err != nil || n != 5 {
			t.Errorf("MarkAllRead(feed a) = %d, %v; want 5 (6 minus the one read; Limit ignored)", n, err)
		}
		if got := all(t, s, u, store.Query{Unread: true}); len(got) != 4 {
			t.Errorf("%d unread; want feed b's 4", len(got))
		}
		n, err = s.MarkAllRead(ctx, u, store.Query{Tag: "news", Since: base.Add(4 * time.Minute)})
		if err != nil || n != 2 {
			t.Errorf("MarkAllRead(tag news, since) = %d, %v; want 2", n, err)
		}
		n, err = s.MarkAllRead(ctx, u, store.Query{})
		if err != nil || n != 2 {
			t.Errorf("MarkAllRead() = %d, %v; want 2", n, err)
		}
		if got := all(t, s, u, store.Query{Unread: true}); len(got) != 0 {
			t.Errorf("%d unread; want 0", len(got))
		}
	})
}

func testPrune(t *testing.T, open opener) {
	t.Run("TwoUsers", pruneTwoUsers(open))
	t.Run("OneUser", func(t *testing.T) { pruneOneUser(t, open) })
}

func pruneOneUser(t *testing.T, open opener) {
	s, u := setup(t, open)
	ctx := t.Context()
	f := subscribe(t, s, u, "https://prune.test/feed")
	its := items("pr", 6)
	save(t, s, f.ID, fetch(its...))
	every := all(t, s, u, store.Query{}) // newest first: pr-5 ... pr-0
	byGUID := make(map[string]int64)
	for _, it := range every {
		byGUID[it.GUID] = it.ID
	}
	// pr-0: read (pruned); pr-1: read+starred (kept); pr-2: unread (kept);
	// pr-3: read (pruned); pr-4, pr-5: read but after the cutoff (kept).
	read := []int64{byGUID["pr-guid-0"], byGUID["pr-guid-1"], byGUID["pr-guid-3"], byGUID["pr-guid-4"], byGUID["pr-guid-5"]}
	if _, err := s.SetRead(ctx, u, read, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStarred(ctx, u, []int64{byGUID["pr-guid-1"]}, true); err != nil {
		t.Fatal(err)
	}
	cutoff := its[4].Published
	n, err := s.Prune(ctx, cutoff, true)
	if err != nil || n != 2 {
		t.Fatalf("Prune dry run = %d, %v; want 2", n, err)
	}
	if got := all(t, s, u, store.Query{}); len(got) != 6 {
		t.Fatalf("dry run deleted: %d items left", len(got))
	}
	n, err = s.Prune(ctx, cutoff, false)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2", n, err)
	}
	left := guids(all(t, s, u, store.Query{}))
	if !equalSet(left, []string{"pr-guid-1", "pr-guid-2", "pr-guid-4", "pr-guid-5"}) {
		t.Errorf("after prune %v; want starred, unread and recent items kept", left)
	}
	if _, err := s.Item(ctx, u, byGUID["pr-guid-0"]); err == nil {
		t.Error("pruned item still readable")
	}
	if got := all(t, s, u, store.Query{Search: "pr item 0"}); len(got) != 0 {
		t.Errorf("pruned item still found by search: %v", guids(got))
	}
	// The feed still lists the pruned items: they are not new.
	res := save(t, s, f.ID, fetch(its...))
	if res.New != 0 {
		t.Errorf("refetch after prune = %+v; want 0 new (tombstones)", res)
	}
	if got := all(t, s, u, store.Query{}); len(got) != 4 {
		t.Errorf("%d items after refetch; want 4", len(got))
	}
	// A tombstone holds under a fallback rule too.
	noGUIDs := slices.Clone(its)
	for i := range noGUIDs {
		noGUIDs[i].GUID = ""
	}
	if res := save(t, s, f.ID, fetch(noGUIDs...)); res.New != 0 || res.Identity != store.IdentityLink {
		t.Errorf("refetch by link after prune = %+v; want link, 0 new", res)
	}
}

func testMove(t *testing.T, open opener) {
	t.Run("UserFeedTakesNewURL", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://old.test/feed")
		save(t, s, f.ID, fetch(item("m", 1)))
		r := fetch(item("m", 1))
		r.MoveTo = "https://new.test/feed"
		save(t, s, f.ID, r)
		got := subByURL(t, s, u, "https://new.test/feed")
		if got.ID != f.ID || got.URL != "https://new.test/feed" || got.Items != 1 {
			t.Errorf("moved feed = %+v; want same ID, the new URL and its item", got)
		}
		// The old URL still finds it, so `tidings fetch OLD` works after a move.
		if old := subByURL(t, s, u, "https://old.test/feed"); old.ID != f.ID || old.URL != "https://new.test/feed" ||
			old.MovedFrom != "https://old.test/feed" {
			t.Errorf("Subscription(old URL) = ID %d URL %q MovedFrom %q; want the moved feed, its new URL, moved from the old",
				old.ID, old.URL, old.MovedFrom)
		}
		if got := claim(t, s, store.ClaimRequest{Now: fetchTime.Add(2 * time.Hour), URLs: []string{"https://old.test/feed"}}); len(got) != 1 || got[0].ID != f.ID {
			t.Errorf("claim by the old URL = %q; want the moved feed", claimedURLs(got))
		}
		if its := all(t, s, u, store.Query{FeedURL: "https://new.test/feed"}); len(its) != 1 || its[0].FeedURL != "https://new.test/feed" {
			t.Errorf("items of the moved feed = %+v", its)
		}
	})

	t.Run("UserFeedMoveConflict", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://old.test/feed")
		subscribe(t, s, u, "https://new.test/feed")
		r := fetch()
		r.MoveTo = "https://new.test/feed"
		save(t, s, f.ID, r)
		got := subByURL(t, s, u, "https://old.test/feed")
		if got.ID != f.ID || got.State.LastError == "" || !strings.Contains(got.State.LastError, "https://new.test/feed") {
			t.Errorf("feed moved onto a subscribed URL = %+v; want URL kept and an error naming the other", got)
		}
		// The fetcher asks again on every fetch while the redirect lasts,
		// its state still counting it: the conflict stays visible, and
		// the redirect is kept.
		r = fetch()
		r.State.RedirectURL, r.State.RedirectCount = "https://new.test/feed", 3
		r.MoveTo = "https://new.test/feed"
		save(t, s, f.ID, r)
		got = subByURL(t, s, u, "https://old.test/feed")
		if got.State.LastError != store.MoveConflict("https://new.test/feed") ||
			got.State.RedirectURL != "https://new.test/feed" || got.State.RedirectCount != 3 {
			t.Errorf("after another fetch asking for the move: LastError %q, redirect %q %d; want the conflict and the redirect kept",
				got.State.LastError, got.State.RedirectURL, got.State.RedirectCount)
		}
		// The redirect stops: a plain success clears both.
		save(t, s, f.ID, fetch())
		got = subByURL(t, s, u, "https://old.test/feed")
		if got.State.LastError != "" || got.State.RedirectURL != "" {
			t.Errorf("after the redirect stopped: LastError %q, redirect %q; want both cleared", got.State.LastError, got.State.RedirectURL)
		}
	})

	t.Run("MoveEndsRedirect", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://old.test/feed")
		r := fetch()
		r.State.RedirectURL, r.State.RedirectCount = "https://new.test/feed", 3
		r.MoveTo = "https://new.test/feed"
		save(t, s, f.ID, r)
		got := subByURL(t, s, u, "https://new.test/feed")
		if got.ID != f.ID || got.State.RedirectURL != "" || got.State.RedirectCount != 0 || got.State.LastError != "" {
			t.Errorf("moved feed: ID %d, redirect %q %d, LastError %q; want moved, redirect ended, no error",
				got.ID, got.State.RedirectURL, got.State.RedirectCount, got.State.LastError)
		}
	})

	t.Run("ConfigFeedFetchesFromNewURL", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		if _, err := s.SyncDeclared(ctx, u, []string{"c.toml"},
			[]store.Subscription{declared("https://decl.test/feed", "c.toml", 2)}); err != nil {
			t.Fatal(err)
		}
		f := subByURL(t, s, u, "https://decl.test/feed")
		r := fetch()
		r.MoveTo = "https://moved.test/feed"
		save(t, s, f.ID, r)
		got := subByURL(t, s, u, "https://decl.test/feed")
		if got.URL != "https://decl.test/feed" || got.FetchURL != "https://moved.test/feed" || got.Target() != "https://moved.test/feed" {
			t.Errorf("moved config feed = URL %q FetchURL %q; want declared URL kept, FetchURL set", got.URL, got.FetchURL)
		}
		if byFetch := subByURL(t, s, u, "https://moved.test/feed"); byFetch.ID != f.ID {
			t.Errorf("Subscription(FetchURL) = %d; want %d", byFetch.ID, f.ID)
		}
		_, err := s.Subscribe(ctx, u, sub("https://moved.test/feed"))
		wantErr(t, "Subscribe to the FetchURL of a subscribed feed", err, store.ErrExists)
		// Another user subscribing to the new URL follows the same feed.
		bob := newUser(t, s, "bob")
		if b := subscribe(t, s, bob, "https://moved.test/feed"); b.ID != f.ID {
			t.Errorf("another user's Subscribe to the FetchURL gave feed %d; want %d, the moved one", b.ID, f.ID)
		}
		claimed := claim(t, s, store.ClaimRequest{Now: base.Add(2 * time.Hour), URLs: []string{"https://moved.test/feed"}})
		if len(claimed) != 1 || claimed[0].ID != f.ID {
			t.Errorf("claim by FetchURL = %q", claimedURLs(claimed))
		}
	})

	// One feed followed by two users moves for both.
	t.Run("SharedFeedMovesForAll", func(t *testing.T) {
		s, u := setup(t, open)
		bob := newUser(t, s, "bob")
		f := subscribe(t, s, u, "https://old.test/feed")
		subscribe(t, s, bob, "https://old.test/feed")
		r := fetch(item("m", 1))
		r.MoveTo = "https://new.test/feed"
		save(t, s, f.ID, r)
		for _, who := range []int64{u, bob} {
			got := subByURL(t, s, who, "https://new.test/feed")
			if got.ID != f.ID || got.URL != "https://new.test/feed" || got.Items != 1 || got.Unread != 1 {
				t.Errorf("user %d: moved feed = %+v; want same ID, the new URL and its unread item", who, got)
			}
		}
		if urls := listedURLs(t, s); !slices.Equal(urls, []string{"https://new.test/feed"}) {
			t.Errorf("FeedList = %q; want the one moved feed", urls)
		}
	})
}
