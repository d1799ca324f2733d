package storetest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// side is one user of testIsolation with the feed only they follow.
type side struct {
	name string
	id   int64
	own  store.Subscription
	tag  string // the tag of own
	word string // a word only own's items have
	n    int    // own's items
	tags []string
}

// testIsolation checks that two users, following one feed together and one
// each alone, never see, count, search, mark or change what is the other's.
func testIsolation(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	shared := subscribe(t, s, alice, "https://shared.test/feed", "news")
	if got := subscribeTo(t, s, bob, store.Subscription{Feed: store.Feed{URL: shared.URL}, UserTitle: "Bob's",
		Tags: []string{"tech"}}); got.ID != shared.ID {
		t.Fatalf("bob's subscription to the shared URL has feed %d; want %d, alice's", got.ID, shared.ID)
	}
	a := side{name: "alice", id: alice, own: subscribe(t, s, alice, "https://alice.test/feed", "mine"),
		tag: "mine", word: "aardvark", n: 3, tags: []string{"mine", "news"}}
	b := side{name: "bob", id: bob, own: subscribe(t, s, bob, "https://bob.test/feed", "secret"),
		tag: "secret", word: "zeppelin", n: 2, tags: []string{"secret", "tech"}}
	r := fetch(items("s", 4)...)
	r.Title = "Shared"
	save(t, s, shared.ID, r)
	for _, sd := range []side{a, b} {
		its := items(sd.name, sd.n)
		for i := range its {
			its[i].Content = "<p>A " + sd.word + " here.</p>"
		}
		save(t, s, sd.own.ID, fetch(its...))
	}

	for _, pair := range [][2]side{{a, b}, {b, a}} {
		me, them := pair[0], pair[1]
		t.Run(me.name+"_not_"+them.name, func(t *testing.T) {
			theirs := ids(all(t, s, them.id, store.Query{FeedID: them.own.ID}))
			if len(theirs) != them.n {
				t.Fatalf("%s has %d items of their own feed; want %d", them.name, len(theirs), them.n)
			}
			mine := all(t, s, me.id, store.Query{})
			if len(mine) != 4+me.n || count(t, s, me.id, store.Query{}) != 4+me.n {
				t.Errorf("%s sees %d items; want %d, the shared feed's and their own", me.name, len(mine), 4+me.n)
			}
			for _, id := range itemIDs(t, s, me.id, store.Query{}) {
				if slices.Contains(theirs, id) {
					t.Errorf("ItemIDs of %s has %s's item %d", me.name, them.name, id)
				}
			}
			_, err := s.Item(ctx, me.id, theirs[0])
			wantErrNF(t, "Item of another user's item", err)
			queries := []struct {
				name string
				q    store.Query
			}{
				{"their feed's ID", store.Query{FeedID: them.own.ID}},
				{"their feed's URL", store.Query{FeedURL: them.own.URL}},
				{"their tag", store.Query{Tag: them.tag}},
				{"their word", store.Query{Search: them.word}},
				{"their item IDs", store.Query{IDs: theirs}},
				{"after an ID", store.Query{AfterID: theirs[0] - 1, IDs: theirs}},
			}
			for _, qq := range queries {
				if got := all(t, s, me.id, qq.q); len(got) != 0 {
					t.Errorf("%s, Items of %s: %v; want none", me.name, qq.name, guids(got))
				}
				if n := count(t, s, me.id, qq.q); n != 0 {
					t.Errorf("%s, CountItems of %s = %d; want 0", me.name, qq.name, n)
				}
				if got := itemIDs(t, s, me.id, qq.q); len(got) != 0 {
					t.Errorf("%s, ItemIDs of %s = %v; want none", me.name, qq.name, got)
				}
				if n, err := s.MarkAllRead(ctx, me.id, qq.q); err != nil || n != 0 {
					t.Errorf("%s, MarkAllRead of %s = %d, %v; want 0", me.name, qq.name, n, err)
				}
			}
			if n, err := s.SetRead(ctx, me.id, theirs, true); err != nil || n != 0 {
				t.Errorf("%s: SetRead of %s's items = %d, %v; want 0", me.name, them.name, n, err)
			}
			if n, err := s.SetStarred(ctx, me.id, theirs, true); err != nil || n != 0 {
				t.Errorf("%s: SetStarred of %s's items = %d, %v; want 0", me.name, them.name, n, err)
			}
			if n := count(t, s, them.id, store.Query{FeedID: them.own.ID, Unread: true}); n != them.n {
				t.Errorf("%s has %d unread of their own feed after %s's marks; want %d", them.name, n, me.name, them.n)
			}
			if n := count(t, s, them.id, store.Query{Starred: true}); n != 0 {
				t.Errorf("%s has %d starred after %s's marks; want 0", them.name, n, me.name)
			}
			if n := count(t, s, me.id, store.Query{Starred: true}); n != 0 {
				t.Errorf("%s has %d starred after starring %s's items; want 0", me.name, n, them.name)
			}

			_, err = s.Subscription(ctx, me.id, them.own.URL)
			wantErrNF(t, "Subscription of another user's feed", err)
			_, err = s.SubscriptionByID(ctx, me.id, them.own.ID)
			wantErrNF(t, "SubscriptionByID of another user's feed", err)
			title := "mine now"
			_, err = s.EditSubscription(ctx, me.id, them.own.URL, store.FeedEdit{Title: &title})
			wantErrNF(t, "EditSubscription of another user's feed", err)
			wantErrNF(t, "Unsubscribe of another user's feed", s.Unsubscribe(ctx, me.id, them.own.URL))
			if got := subByURL(t, s, them.id, them.own.URL); got.UserTitle != "" {
				t.Errorf("%s's subscription has title %q; want none", them.name, got.UserTitle)
			}

			subs, err := s.Subscriptions(ctx, me.id, true)
			if err != nil {
				t.Fatal(err)
			}
			var urls []string
			for _, f := range subs {
				urls = append(urls, f.URL)
				if f.UserID != me.id {
					t.Errorf("%s's Subscriptions has %+v of user %d", me.name, f, f.UserID)
				}
			}
			if want := sortedStrings([]string{me.own.URL, shared.URL}); !slices.Equal(urls, want) {
				t.Errorf("%s's Subscriptions = %q; want %q", me.name, urls, want)
			}
			tags, err := s.Tags(ctx, me.id)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tg := range tags {
				names = append(names, tg.Name)
			}
			if !slices.Equal(names, me.tags) {
				t.Errorf("%s's Tags = %q; want %q", me.name, names, me.tags)
			}
			c, err := s.UnreadCounts(ctx, me.id)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := c.Feeds[them.own.ID]; ok {
				t.Errorf("%s's UnreadCounts has %s's feed", me.name, them.name)
			}
			checkCounts(t, s, me.id, me.name)
			got := claim(t, s, store.ClaimRequest{Now: fetchTime, Lease: time.Minute, All: true, UserID: me.id})
			if !equalSet(claimedURLs(got), []string{me.own.URL, shared.URL}) {
				t.Errorf("claim All for %s = %q; want their two feeds", me.name, claimedURLs(got))
			}
			if err := s.Release(ctx, []int64{me.own.ID, shared.ID}); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("PerUserFields", func(t *testing.T) {
		for _, c := range []struct {
			user  int64
			title string
			tags  []string
		}{{alice, "Shared", []string{"news"}}, {bob, "Bob's", []string{"tech"}}} {
			for _, it := range all(t, s, c.user, store.Query{FeedID: shared.ID}) {
				if it.FeedTitle != c.title || !slices.Equal(it.Tags, c.tags) || it.FeedURL != shared.URL {
					t.Errorf("user %d: %s has feed title %q tags %q; want %q %q", c.user, it.GUID, it.FeedTitle, it.Tags, c.title, c.tags)
				}
			}
		}
	})

	t.Run("MarkAllRead", func(t *testing.T) {
		if n, err := s.MarkAllRead(ctx, alice, store.Query{}); err != nil || n != 4+a.n {
			t.Errorf("MarkAllRead(alice) = %d, %v; want %d", n, err, 4+a.n)
		}
		if n := count(t, s, bob, store.Query{Unread: true}); n != 4+b.n {
			t.Errorf("bob has %d unread after alice marked all read; want %d", n, 4+b.n)
		}
		checkCounts(t, s, bob, "after alice's MarkAllRead")
	})

	t.Run("Config", func(t *testing.T) {
		z := declared("https://z.test/feed", "a.toml", 1)
		sh := declared(shared.URL, "a.toml", 5)
		sh.Tags = []string{"declared"}
		if _, err := s.SyncDeclared(ctx, alice, []string{"a.toml"}, []store.Subscription{z, sh}); err != nil {
			t.Fatal(err)
		}
		if files, err := s.ConfigFiles(ctx, bob); err != nil || len(files) != 0 {
			t.Errorf("bob's ConfigFiles = %v, %v; want none (alice's file is hers)", files, err)
		}
		if got := subByURL(t, s, bob, shared.URL); got.Origin != store.OriginUser || got.UserTitle != "Bob's" ||
			!slices.Equal(got.Tags, []string{"tech"}) {
			t.Errorf("bob's shared subscription after alice's config took hers over = %+v; want it unchanged", got)
		}
		// Bob's sync of the same file name speaks for bob alone.
		if res, err := s.SyncDeclared(ctx, bob, []string{"a.toml"}, nil); err != nil ||
			len(res.Removed)+len(res.Released) != 0 {
			t.Errorf("bob's empty sync of a.toml = %+v, %v; want nothing removed or released", res, err)
		}
		if files, err := s.ConfigFiles(ctx, alice); err != nil || !maps.Equal(files, map[string]int{"a.toml": 2}) {
			t.Errorf("alice's ConfigFiles = %v, %v; want a.toml with 2", files, err)
		}
		// Both declare z: one feed, and alice dropping it leaves bob's.
		bz := declared(z.URL, "b.toml", 1)
		if _, err := s.SyncDeclared(ctx, bob, []string{"b.toml"}, []store.Subscription{bz}); err != nil {
			t.Fatal(err)
		}
		if az, bz := subByURL(t, s, alice, z.URL), subByURL(t, s, bob, z.URL); az.ID != bz.ID {
			t.Errorf("z declared by both is feeds %d and %d; want one", az.ID, bz.ID)
		}
		res, err := s.SyncDeclared(ctx, alice, []string{"a.toml"}, nil)
		if err != nil || !slices.Equal(res.Removed, []string{z.URL}) || !slices.Equal(res.Released, []string{shared.URL}) {
			t.Errorf("alice's empty sync = %+v, %v; want z removed and the shared feed released", res, err)
		}
		if got := subByURL(t, s, bob, z.URL); got.Origin != store.OriginConfig || got.ConfigFile != "b.toml" {
			t.Errorf("bob's z after alice's sync = %+v; want his declared subscription", got)
		}
		if got := claim(t, s, store.ClaimRequest{Now: base, URLs: []string{z.URL}}); len(got) != 1 {
			t.Errorf("claim of z after alice dropped it = %q; want it, bob follows it", claimedURLs(got))
		}
		if got := subByURL(t, s, alice, shared.URL); got.Origin != store.OriginUser || !slices.Equal(got.Tags, []string{"news"}) {
			t.Errorf("alice's released subscription = %+v; want hers again, tagged news", got)
		}
	})
}

// testSharedFeed follows one feed through two users' subscriptions, reads,
// stars and unsubscriptions.
func testSharedFeed(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	alice, bob := newUser(t, s, "alice"), newUser(t, s, "bob")
	f := subscribe(t, s, alice, "https://shared.test/feed")
	save(t, s, f.ID, fetch(items("s", 3)...))
	g := byGUID(all(t, s, alice, store.Query{}))
	setRead(t, s, alice, []int64{g["s-guid-0"]}, true)
	setStarred(t, s, alice, []int64{g["s-guid-1"]}, true)

	// Bob comes later: one feed, and its archive is his, unread.
	bs := subscribe(t, s, bob, f.URL)
	if bs.ID != f.ID {
		t.Fatalf("bob's subscription has feed %d; want alice's %d", bs.ID, f.ID)
	}
	if got := subByURL(t, s, bob, f.URL); got.Items != 3 || got.Unread != 3 {
		t.Errorf("bob's new subscription counts %d items %d unread; want the archive, 3 and 3", got.Items, got.Unread)
	}
	for _, it := range all(t, s, bob, store.Query{}) {
		if it.Read || it.Starred {
			t.Errorf("bob's %s read %v starred %v; want neither (alice's marks are hers)", it.GUID, it.Read, it.Starred)
		}
	}
	if urls := listedURLs(t, s); !slices.Equal(urls, []string{f.URL}) {
		t.Errorf("FeedList = %q; want the one feed", urls)
	}
	if got := claim(t, s, store.ClaimRequest{Now: fetchTime, Lease: time.Minute, All: true}); len(got) != 1 || got[0].ID != f.ID {
		t.Errorf("claim All = %q; want the shared feed once", claimedURLs(got))
	}

	// A new item, saved once, is unread for both.
	if res := save(t, s, f.ID, fetch(items("s", 4)...)); res.New != 1 {
		t.Errorf("save = %+v; want 1 new", res)
	}
	g = byGUID(all(t, s, alice, store.Query{}))
	for _, c := range []struct {
		user   int64
		unread int
	}{{alice, 3}, {bob, 4}} {
		if n := count(t, s, c.user, store.Query{FeedID: f.ID, Unread: true}); n != c.unread {
			t.Errorf("user %d has %d unread; want %d", c.user, n, c.unread)
		}
		if it, err := s.Item(ctx, c.user, g["s-guid-3"]); err != nil || it.Read {
			t.Errorf("user %d: new item read %v, %v; want unread", c.user, it.Read, err)
		}
	}
	// Bob reading leaves it unread for alice.
	setRead(t, s, bob, []int64{g["s-guid-2"]}, true)
	if it, err := s.Item(ctx, alice, g["s-guid-2"]); err != nil || it.Read {
		t.Errorf("alice's s-guid-2 read %v, %v after bob read it; want unread", it.Read, err)
	}
	if it, err := s.Item(ctx, bob, g["s-guid-2"]); err != nil || !it.Read {
		t.Errorf("bob's s-guid-2 read %v, %v; want read", it.Read, err)
	}
	checkCounts(t, s, alice, "both subscribed")
	checkCounts(t, s, bob, "both subscribed")

	// Alice leaves: bob's subscription stays, fetched, with every item.
	unsubscribe(t, s, alice, f.URL)
	if got := subByURL(t, s, bob, f.URL); got.Items != 4 || got.Unread != 3 {
		t.Errorf("bob's subscription after alice left counts %d items %d unread; want 4 and 3", got.Items, got.Unread)
	}
	if got := claim(t, s, store.ClaimRequest{Now: fetchTime.Add(2 * time.Hour), Lease: time.Minute}); len(got) != 1 || got[0].ID != f.ID {
		t.Errorf("due claim after alice left = %q; want bob's feed", claimedURLs(got))
	}
	if err := s.Release(ctx, []int64{f.ID}); err != nil {
		t.Fatal(err)
	}
	kept, err := s.Item(ctx, alice, g["s-guid-1"])
	if err != nil || !kept.Starred {
		t.Errorf("alice's starred item after she left = %+v, %v; want it readable, starred", kept, err)
	}
	_, err = s.Item(ctx, alice, g["s-guid-0"])
	wantErrNF(t, "Item of alice's unstarred item after she left", err)
	if got := ids(all(t, s, alice, store.Query{})); !slices.Equal(got, []int64{g["s-guid-1"]}) {
		t.Errorf("alice's items after she left = %v; want her starred one", got)
	}
	if c, err := s.UnreadCounts(ctx, alice); err != nil || c.Total != 0 || len(c.Feeds) != 0 {
		t.Errorf("alice's UnreadCounts after she left = %+v, %v; want none", c, err)
	}

	// She comes back: her read state went, her star stayed.
	subscribe(t, s, alice, f.URL)
	if got := subByURL(t, s, alice, f.URL); got.Items != 4 || got.Unread != 4 {
		t.Errorf("alice back counts %d items %d unread; want 4 and 4 (her read state went)", got.Items, got.Unread)
	}
	if it, err := s.Item(ctx, alice, g["s-guid-1"]); err != nil || !it.Starred {
		t.Errorf("alice's starred item after she came back: starred %v, %v", it.Starred, err)
	}
	checkCounts(t, s, alice, "alice back")
	unsubscribe(t, s, alice, f.URL)

	// Bob leaves too: the feed goes, alice's starred item stays.
	unsubscribe(t, s, bob, f.URL)
	if urls := listedURLs(t, s); len(urls) != 0 {
		t.Errorf("FeedList after everyone left = %q; want none", urls)
	}
	if got := claim(t, s, store.ClaimRequest{Now: fetchTime.Add(3 * time.Hour), URLs: []string{f.URL}}); len(got) != 0 {
		t.Errorf("claim of a feed nobody follows = %q; want none", claimedURLs(got))
	}
	kept, err = s.Item(ctx, alice, g["s-guid-1"])
	if err != nil || !kept.Starred || kept.FeedURL != f.URL {
		t.Errorf("alice's starred item after the feed went = %+v, %v; want it, starred, with its feed URL", kept, err)
	}
	_, err = s.Item(ctx, bob, g["s-guid-1"])
	wantErrNF(t, "Item of alice's starred item for bob", err)
	if n := count(t, s, bob, store.Query{}); n != 0 {
		t.Errorf("bob sees %d items after leaving; want 0", n)
	}

	// Bob subscribes again: the kept item is the new feed's again.
	again := subscribe(t, s, bob, f.URL)
	if got := subByURL(t, s, bob, f.URL); got.Items != 1 || got.Unread != 1 {
		t.Errorf("bob's new subscription counts %d items %d unread; want alice's kept starred item, unread", got.Items, got.Unread)
	}
	if it, err := s.Item(ctx, alice, g["s-guid-1"]); err != nil || it.FeedID != again.ID || !it.Starred {
		t.Errorf("alice's kept item = feed %d starred %v, %v; want feed %d, starred", it.FeedID, it.Starred, err, again.ID)
	}
	checkCounts(t, s, bob, "bob back")
}
