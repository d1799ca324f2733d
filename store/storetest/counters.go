package storetest

import (
	"testing"
	"time"

	"tidings/store"
)

// testCounters runs a sequence of everything that changes what a user has
// read, stored or follows, and after each step checks every count the
// store keeps (Subscription.Items and Unread, Tags, UnreadCounts) against
// CountItems of the same selection, for both users.
func testCounters(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	users := []int64{alice, bob}
	f1 := subscribe(t, s, alice, "https://one.test/feed", "x")
	subscribe(t, s, bob, f1.URL, "x", "z")
	f2 := subscribe(t, s, alice, "https://two.test/feed", "y", "x")
	f3 := subscribe(t, s, alice, "https://three.test/feed")
	save(t, s, f1.ID, fetch(items("one", 5)...))
	save(t, s, f2.ID, fetch(items("two", 4)...))
	save(t, s, f3.ID, fetch(items("three", 3)...))
	g := byGUID(all(t, s, alice, store.Query{}))
	must := func(n int, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"alice reads three", func() {
			setRead(t, s, alice, []int64{g["one-guid-0"], g["one-guid-1"], g["two-guid-0"]}, true)
			if a, b := subByURL(t, s, alice, f1.URL), subByURL(t, s, bob, f1.URL); a.Unread != 3 || b.Unread != 5 {
				t.Errorf("one counts %d unread for alice, %d for bob; want 3 and 5", a.Unread, b.Unread)
			}
		}},
		{"alice reads them again, and an unknown ID", func() {
			setRead(t, s, alice, []int64{g["one-guid-0"], g["one-guid-1"], g["two-guid-0"], g["two-guid-0"] + 10_000}, true)
		}},
		{"alice unreads one", func() { setRead(t, s, alice, []int64{g["one-guid-1"]}, false) }},
		{"alice unreads an unread one", func() { setRead(t, s, alice, []int64{g["one-guid-4"]}, false) }},
		{"alice stars two", func() { setStarred(t, s, alice, []int64{g["one-guid-2"], g["three-guid-0"]}, true) }},
		{"bob reads three", func() { setRead(t, s, bob, []int64{g["one-guid-0"], g["one-guid-2"], g["one-guid-3"]}, true) }},
		{"alice marks tag y read", func() { must(s.MarkAllRead(ctx, alice, store.Query{Tag: "y"})) }},
		{"alice marks all before +2m read", func() { must(s.MarkAllRead(ctx, alice, store.Query{Until: base.Add(2 * time.Minute)})) }},
		{"a fetch adds two and updates a read one", func() {
			its := items("one", 7)
			its[0].Content = "<p>Changed.</p>"
			save(t, s, f1.ID, fetch(its...))
		}},
		{"alice reads a starred one and leaves three", func() {
			setRead(t, s, alice, []int64{g["three-guid-0"], g["three-guid-1"]}, true)
			unsubscribe(t, s, alice, f3.URL)
		}},
		{"alice subscribes to three again", func() { f3 = subscribe(t, s, alice, f3.URL) }},
		{"bob subscribes to three too", func() { subscribe(t, s, bob, f3.URL, "z") }},
		{"alice reads all of three", func() { must(s.MarkAllRead(ctx, alice, store.Query{FeedID: f3.ID})) }},
		{"prune", func() { must(s.Prune(ctx, fetchTime.Add(time.Hour), false)) }},
		{"bob reads all, prune", func() {
			must(s.MarkAllRead(ctx, bob, store.Query{}))
			must(s.Prune(ctx, fetchTime.Add(time.Hour), false))
		}},
		{"a fetch after prune", func() { save(t, s, f1.ID, fetch(items("one", 8)...)) }},
		{"alice leaves one, bob stays", func() { unsubscribe(t, s, alice, f1.URL) }},
		{"alice subscribes to one again", func() { subscribe(t, s, alice, f1.URL, "x") }},
		{"a batch of two fetches", func() {
			_, errs, err := s.SaveFetches(ctx, []store.FeedFetch{
				{FeedID: f1.ID, Result: fetch(items("one", 9)...)},
				{FeedID: f2.ID, Result: fetch(items("two", 6)...)},
			})
			if err != nil || errs[0] != nil || errs[1] != nil {
				t.Fatalf("SaveFetches = %v, %v", errs, err)
			}
		}},
		{"alice unstars and reads", func() {
			setStarred(t, s, alice, []int64{g["one-guid-2"]}, false)
			setRead(t, s, alice, ids(all(t, s, alice, store.Query{FeedID: f1.ID, Limit: 3})), true)
		}},
		{"bob is removed", func() {
			if err := s.RemoveUser(ctx, bob); err != nil {
				t.Fatal(err)
			}
			users = []int64{alice}
		}},
		{"prune after bob", func() { must(s.Prune(ctx, fetchTime.Add(time.Hour), false)) }},
	}
	checkCounts(t, s, alice, "start")
	if got := subByURL(t, s, alice, f1.URL); got.Items != 5 || got.Unread != 5 {
		t.Fatalf("start: one counts %d items %d unread; want 5 and 5", got.Items, got.Unread)
	}
	for _, st := range steps {
		st.do()
		for _, u := range users {
			checkCounts(t, s, u, st.name)
		}
		if t.Failed() {
			t.Fatalf("counts wrong after %q", st.name)
		}
	}
}
