package storetest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// RunApps runs the conformance tests of store.AppStore against stores made
// by open: each answer is the one Store's own
// methods give, for the acting user alone.
func RunApps(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	var as store.AppStore = s
	ctx := t.Context()
	alice := newUser(t, s, "alice")
	bob := newUser(t, s, "bob")
	a := subscribe(t, s, alice, "https://a.apps.test/feed", "x", "y")
	b := subscribe(t, s, alice, "https://b.apps.test/feed", "y")
	c := subscribe(t, s, alice, "https://c.apps.test/feed")
	subscribe(t, s, bob, "https://b.apps.test/feed", "z")
	d := subscribe(t, s, bob, "https://d.apps.test/feed")

	// Three fetches at three times: a's first items, then b's, then a's
	// next one; d's items come last and are bob's alone.
	t1, t2, t3 := fetchTime, fetchTime.Add(time.Hour), fetchTime.Add(2*time.Hour)
	at := func(now time.Time, its ...store.Item) store.FetchResult {
		r := fetch(its...)
		r.Now, r.State.LastFetch, r.State.LastSuccess, r.State.NextDue = now, now, now, now.Add(time.Hour)
		return r
	}
	save(t, s, a.ID, at(t1, item("a", 1), item("a", 2), item("a", 3)))
	save(t, s, b.ID, at(t2, item("b", 1), item("b", 2)))
	save(t, s, a.ID, at(t3, item("a", 1), item("a", 2), item("a", 3), item("a", 4)))
	save(t, s, d.ID, at(t3.Add(time.Hour), item("d", 1)))
	ids := func(user int64, q store.Query) []int64 {
		t.Helper()
		q.ByID, q.Oldest = true, true
		l, err := s.ItemIDs(ctx, user, q)
		if err != nil {
			t.Fatalf("ItemIDs: %v", err)
		}
		return l
	}
	aIDs, bIDs := ids(alice, store.Query{FeedID: a.ID}), ids(alice, store.Query{FeedID: b.ID})
	if len(aIDs) != 4 || len(bIDs) != 2 {
		t.Fatalf("stored %v and %v; want 4 and 2 items", aIDs, bIDs)
	}
	if _, err := s.SetRead(ctx, alice, aIDs[:1], true); err != nil {
		t.Fatalf("SetRead: %v", err)
	}

	t.Run("SubscriptionsOf", func(t *testing.T) {
		all, err := s.Subscriptions(ctx, alice, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := as.SubscriptionsOf(ctx, alice, []int64{c.ID, d.ID, a.ID, 1 << 40})
		if err != nil {
			t.Fatalf("SubscriptionsOf: %v", err)
		}
		var want []store.Subscription
		for _, sub := range all {
			if sub.ID == a.ID || sub.ID == c.ID {
				want = append(want, sub)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("SubscriptionsOf(c, d, a, unknown) = %d subscriptions; want %d (a, c: d is bob's)", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.URL != w.URL || g.UserTitle != w.UserTitle || !slices.Equal(g.Tags, w.Tags) ||
				g.Items != w.Items || g.Unread != w.Unread || g.Origin != w.Origin || !slices.Equal(g.Schedules, w.Schedules) ||
				!g.State.NextDue.Equal(w.State.NextDue) || g.Name() != w.Name() {
				t.Errorf("SubscriptionsOf[%d] = %+v;\nwant %+v, as Subscriptions has it", i, g, w)
			}
		}
		if got[0].ID == a.ID && got[0].Unread != 3 {
			t.Errorf("a's unread = %d; want 3", got[0].Unread)
		}
		if none, err := as.SubscriptionsOf(ctx, alice, nil); err != nil || len(none) != 0 {
			t.Errorf("SubscriptionsOf(none) = %v, %v; want none", none, err)
		}
	})

	t.Run("TagIDs", func(t *testing.T) {
		for _, user := range []int64{alice, bob} {
			tags, err := s.Tags(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			for _, tg := range tags {
				want[tg.Name] = tg.ID
			}
			got, err := as.TagIDs(ctx, user)
			if err != nil {
				t.Fatalf("TagIDs: %v", err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("TagIDs(user %d) = %v; want %v, as Tags has them", user, got, want)
			}
		}
		// A tag no subscription has any more is not listed.
		if _, err := s.EditSubscription(ctx, alice, b.URL, store.FeedEdit{RemoveTags: []string{"y"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EditSubscription(ctx, alice, a.URL, store.FeedEdit{RemoveTags: []string{"y"}}); err != nil {
			t.Fatal(err)
		}
		got, err := as.TagIDs(ctx, alice)
		if err != nil || len(got) != 1 || got["x"] == 0 {
			t.Errorf("TagIDs after y went = %v, %v; want x alone", got, err)
		}
	})

	t.Run("NewestStored", func(t *testing.T) {
		got, err := as.NewestStored(ctx, alice)
		if err != nil {
			t.Fatalf("NewestStored: %v", err)
		}
		want := map[int64]time.Time{a.ID: t3, b.ID: t2}
		if len(got) != len(want) || !got[a.ID].Equal(t3) || !got[b.ID].Equal(t2) {
			t.Errorf("NewestStored(alice) = %v; want %v (c has no items, d is bob's)", got, want)
		}
		got, err = as.NewestStored(ctx, bob)
		if err != nil || len(got) != 2 || !got[b.ID].Equal(t2) || !got[d.ID].Equal(t3.Add(time.Hour)) {
			t.Errorf("NewestStored(bob) = %v, %v", got, err)
		}
		carol := newUser(t, s, "carol")
		if got, err := as.NewestStored(ctx, carol); err != nil || len(got) != 0 {
			t.Errorf("NewestStored(a user without feeds) = %v, %v", got, err)
		}
	})

	t.Run("SubscriptionTotals", func(t *testing.T) {
		for _, user := range []int64{alice, bob} {
			subs, err := s.Subscriptions(ctx, user, true)
			if err != nil {
				t.Fatal(err)
			}
			var want store.SubscriptionTotals
			for _, sub := range subs {
				if sub.State.LastFetch.After(want.LastFetch) {
					want.LastFetch = sub.State.LastFetch
				}
				want.Items += sub.Items
				want.Unread += sub.Unread
			}
			got, err := as.SubscriptionTotals(ctx, user)
			if err != nil {
				t.Fatalf("SubscriptionTotals: %v", err)
			}
			if !got.LastFetch.Equal(want.LastFetch) || got.Items != want.Items || got.Unread != want.Unread {
				t.Errorf("SubscriptionTotals(user %d) = %+v; want %+v, from Subscriptions", user, got, want)
			}
		}
		if got, _ := as.SubscriptionTotals(ctx, alice); got.Items != 6 || got.Unread != 5 || !got.LastFetch.Equal(t3) {
			t.Errorf("alice's totals = %+v; want 6 items, 5 unread, last fetched at %v", got, t3)
		}
		dave := newUser(t, s, "dave")
		if got, err := as.SubscriptionTotals(ctx, dave); err != nil || got != (store.SubscriptionTotals{}) {
			t.Errorf("SubscriptionTotals(a user without feeds) = %+v, %v", got, err)
		}
	})

	t.Run("LastStoredBefore", func(t *testing.T) {
		last := func(user int64, at time.Time) int64 {
			t.Helper()
			id, err := as.LastStoredBefore(ctx, user, at)
			if err != nil {
				t.Fatalf("LastStoredBefore: %v", err)
			}
			return id
		}
		for _, c := range []struct {
			name string
			user int64
			at   time.Time
			want int64
		}{
			{"before everything", alice, t1, 0},
			{"after the first fetch", alice, t2, aIDs[2]},
			{"after the second", alice, t3, bIDs[1]},
			{"after the last", alice, t3.Add(time.Minute), aIDs[3]},
			{"bob, before his first", bob, t2, 0},
			{"bob, after b's", bob, t3.Add(time.Minute), bIDs[1]},
			{"bob, after all", bob, t3.Add(2 * time.Hour), ids(bob, store.Query{FeedID: d.ID})[0]},
		} {
			if got := last(c.user, c.at); got != c.want {
				t.Errorf("%s: LastStoredBefore = %d; want %d", c.name, got, c.want)
			}
		}
		// A starred item is the user's after its feed went.
		if _, err := s.SetStarred(ctx, bob, bIDs[:1], true); err != nil {
			t.Fatal(err)
		}
		if err := s.Unsubscribe(ctx, bob, b.URL); err != nil {
			t.Fatal(err)
		}
		if got := last(bob, t3); got != bIDs[0] {
			t.Errorf("bob's starred item: LastStoredBefore = %d; want %d", got, bIDs[0])
		}
	})
}
