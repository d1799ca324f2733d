package storetest

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"tidings/store"
)

func testFeeds(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("AddAndGet", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		f, err := s.AddFeed(ctx, store.Feed{URL: "https://b.test/feed", Tags: []string{"go", "News", "go", " ", "GO"},
			Schedule: "@hourly", UserTitle: "Mine"})
		if err != nil {
			t.Fatalf("AddFeed: %v", err)
		}
		if f.ID == 0 || f.Origin != store.OriginUser || f.Schedule != "@hourly" || f.UserTitle != "Mine" {
			t.Errorf("AddFeed returned %+v; want an ID, origin user, the schedule and title", f)
		}
		if !slices.Equal(f.Tags, []string{"go", "news"}) {
			t.Errorf("tags %q; want [go news] (lowercased, in order, repeats and blanks dropped)", f.Tags)
		}
		if f.CreatedAt.IsZero() {
			t.Error("CreatedAt is zero")
		}
		_, err = s.AddFeed(ctx, store.Feed{URL: "https://b.test/feed"})
		wantErr(t, "AddFeed twice", err, store.ErrExists)
		addFeed(t, s, "https://a.test/feed")

		got := feedByURL(t, s, "https://b.test/feed")
		if got.ID != f.ID || !slices.Equal(got.Tags, f.Tags) {
			t.Errorf("Feed = %+v; want %+v", got, f)
		}
		_, err = s.Feed(ctx, "https://nowhere.test/")
		wantErr(t, "Feed of unknown URL", err, store.ErrNotFound)

		feeds, err := s.Feeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, f := range feeds {
			urls = append(urls, f.URL)
		}
		if !slices.Equal(urls, []string{"https://a.test/feed", "https://b.test/feed"}) {
			t.Errorf("Feeds = %q; want both, ordered by URL", urls)
		}
		save(t, s, f.ID, fetch(items("listed", 2)...))
		withCounts, err := s.Feeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.FeedList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(withCounts) {
			t.Fatalf("FeedList has %d feeds; want %d, as Feeds", len(list), len(withCounts))
		}
		for i := range list {
			want := withCounts[i]
			want.Items, want.Unread = 0, 0
			if !reflect.DeepEqual(list[i], want) {
				t.Errorf("FeedList[%d] = %+v; want %+v: Feeds without counts", i, list[i], want)
			}
		}
		if withCounts[1].Items != 2 {
			t.Errorf("Feeds counts %d items of b.test; want 2", withCounts[1].Items)
		}
	})

	t.Run("Counts", func(t *testing.T) {
		s := open(t)
		f := addFeed(t, s, "https://count.test/feed")
		addFeed(t, s, "https://empty.test/feed")
		save(t, s, f.ID, fetch(items("c", 5)...))
		got, _, err := s.Items(t.Context(), store.Query{FeedID: f.ID, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetRead(t.Context(), ids(got), true); err != nil {
			t.Fatal(err)
		}
		f = feedByURL(t, s, f.URL)
		if f.Items != 5 || f.Unread != 3 {
			t.Errorf("Feed counts %d items %d unread; want 5 and 3", f.Items, f.Unread)
		}
		feeds, err := s.Feeds(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range feeds {
			want := [2]int{0, 0}
			if g.ID == f.ID {
				want = [2]int{5, 3}
			}
			if [2]int{g.Items, g.Unread} != want {
				t.Errorf("Feeds: %s counts %d/%d; want %d/%d", g.URL, g.Items, g.Unread, want[0], want[1])
			}
		}
	})

	t.Run("Edit", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		addFeed(t, s, "https://e.test/feed", "a", "b")
		title, sched := "New title", "*/5 * * * *"
		f, err := s.EditFeed(ctx, "https://e.test/feed", store.FeedEdit{Title: &title, Schedule: &sched,
			AddTags: []string{"c", "a"}, RemoveTags: []string{"b"}})
		if err != nil {
			t.Fatalf("EditFeed: %v", err)
		}
		if f.UserTitle != title || f.Schedule != sched || !slices.Equal(f.Tags, []string{"a", "c"}) {
			t.Errorf("EditFeed = title %q schedule %q tags %q; want %q %q [a c]", f.UserTitle, f.Schedule, f.Tags, title, sched)
		}
		if got := feedByURL(t, s, f.URL); got.UserTitle != title || !slices.Equal(got.Tags, f.Tags) {
			t.Errorf("edit not stored: %+v", got)
		}
		// Nil fields are left alone.
		f, err = s.EditFeed(ctx, "https://e.test/feed", store.FeedEdit{})
		if err != nil || f.UserTitle != title || f.Schedule != sched {
			t.Errorf("empty edit changed the feed: %+v, %v", f, err)
		}
		_, err = s.EditFeed(ctx, "https://nowhere.test/", store.FeedEdit{Title: &title})
		wantErr(t, "EditFeed of unknown URL", err, store.ErrNotFound)
	})

	t.Run("TagsIgnoreCase", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		f := addFeed(t, s, "https://case.test/feed", "Go", "News")
		addFeed(t, s, "https://other.test/feed", "rust")
		if !slices.Equal(f.Tags, []string{"go", "news"}) {
			t.Errorf("AddFeed tags %q; want [go news]", f.Tags)
		}
		save(t, s, f.ID, fetch(items("case", 3)...))
		for _, tag := range []string{"go", "GO", "Go", " gO "} {
			if got := all(t, s, store.Query{Tag: tag}); len(got) != 3 {
				t.Errorf("Items(tag %q) = %d items; want the feed's 3", tag, len(got))
			}
		}
		if n, err := s.MarkAllRead(ctx, store.Query{Tag: "NEWS"}); err != nil || n != 3 {
			t.Errorf("MarkAllRead(tag NEWS) = %d, %v; want 3", n, err)
		}
		f, err := s.EditFeed(ctx, f.URL, store.FeedEdit{AddTags: []string{"NEWS", "Later"}, RemoveTags: []string{"GO"}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.Tags, []string{"news", "later"}) {
			t.Errorf("EditFeed(add NEWS Later, remove GO) tags %q; want [news later]", f.Tags)
		}
		if got := all(t, s, store.Query{Tag: "go"}); len(got) != 0 {
			t.Errorf("Items(tag go) after untagging GO = %d items; want none", len(got))
		}
		if _, err := s.ImportFeeds(ctx, []store.Feed{{URL: "https://imp.test/feed", Tags: []string{"Mixed", "mixed"}}}); err != nil {
			t.Fatal(err)
		}
		if got := feedByURL(t, s, "https://imp.test/feed"); !slices.Equal(got.Tags, []string{"mixed"}) {
			t.Errorf("imported tags %q; want [mixed]", got.Tags)
		}
		decl := []store.Feed{{URL: "https://decl.test/feed", Tags: []string{"Config", "CONFIG"}, ConfigFile: "c.toml", ConfigLine: 1}}
		if _, err := s.SyncDeclared(ctx, []string{"c.toml"}, decl); err != nil {
			t.Fatal(err)
		}
		if got := feedByURL(t, s, "https://decl.test/feed"); !slices.Equal(got.Tags, []string{"config"}) {
			t.Errorf("declared tags %q; want [config]", got.Tags)
		}
		decl[0].Tags = []string{"config"}
		if res, err := s.SyncDeclared(ctx, []string{"c.toml"}, decl); err != nil || len(res.Updated) != 0 {
			t.Errorf("sync with the same tags in another case = %+v, %v; want no change", res, err)
		}
	})

	t.Run("Declared", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if _, err := s.SyncDeclared(ctx, []string{"/etc/tidings.toml"}, []store.Feed{{URL: "https://c.test/feed", ConfigFile: "/etc/tidings.toml", ConfigLine: 12}}); err != nil {
			t.Fatal(err)
		}
		title := "x"
		_, err := s.EditFeed(ctx, "https://c.test/feed", store.FeedEdit{Title: &title})
		checkDeclared(t, "EditFeed", err)
		checkDeclared(t, "RemoveFeed", s.RemoveFeed(ctx, "https://c.test/feed"))
		if f := feedByURL(t, s, "https://c.test/feed"); f.UserTitle == title {
			t.Error("EditFeed changed a config feed")
		}
	})

	t.Run("Remove", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		f, err := s.AddFeed(ctx, store.Feed{URL: "https://r.test/feed", UserTitle: "Removed feed", Tags: []string{"t"}})
		if err != nil {
			t.Fatal(err)
		}
		other := addFeed(t, s, "https://keep.test/feed")
		save(t, s, f.ID, fetch(items("r", 4)...))
		save(t, s, other.ID, fetch(items("k", 2)...))
		got := all(t, s, store.Query{FeedID: f.ID})
		starred, plain := got[0], got[1]
		if n, err := s.SetStarred(ctx, []int64{starred.ID}, true); err != nil || n != 1 {
			t.Fatalf("SetStarred = %d, %v", n, err)
		}

		err = s.RemoveFeed(ctx, "https://nowhere.test/")
		wantErr(t, "RemoveFeed of unknown URL", err, store.ErrNotFound)
		if err := s.RemoveFeed(ctx, f.URL); err != nil {
			t.Fatalf("RemoveFeed: %v", err)
		}
		_, err = s.Feed(ctx, f.URL)
		wantErr(t, "Feed after RemoveFeed", err, store.ErrNotFound)
		_, err = s.Item(ctx, plain.ID)
		wantErr(t, "Item of a removed feed's unstarred item", err, store.ErrNotFound)

		kept, err := s.Item(ctx, starred.ID)
		if err != nil {
			t.Fatalf("starred item of a removed feed: %v", err)
		}
		if kept.FeedURL != f.URL || kept.FeedTitle != "Removed feed" || !kept.Starred || kept.Title != starred.Title {
			t.Errorf("kept item = feed %q %q starred %v; want %q %q true", kept.FeedURL, kept.FeedTitle, kept.Starred, f.URL, "Removed feed")
		}
		st := all(t, s, store.Query{Starred: true})
		if len(st) != 1 || st[0].ID != starred.ID || st[0].FeedURL != f.URL {
			t.Errorf("Items(starred) after removal = %v; want the one starred item with its feed URL", guids(st))
		}
		if n := len(all(t, s, store.Query{})); n != 3 {
			t.Errorf("%d items after removal; want 3 (1 starred + the other feed's 2)", n)
		}
		// The URL is free again.
		addFeed(t, s, f.URL)
	})
}

// testResubscribe removes a feed whose item is starred and adds it again,
// each way a feed can be added: the kept item belongs to the feed again, so
// fetching it once more updates that row instead of adding a second.
func testResubscribe(t *testing.T, open func(t *testing.T) store.Store) {
	const u = "https://again.test/feed"
	ways := []struct {
		name string
		add  func(t *testing.T, s store.Store)
	}{
		{"AddFeed", func(t *testing.T, s store.Store) { addFeed(t, s, u) }},
		{"ImportFeeds", func(t *testing.T, s store.Store) {
			if res, err := s.ImportFeeds(t.Context(), []store.Feed{{URL: u}}); err != nil || len(res.Added) != 1 {
				t.Fatalf("ImportFeeds = %+v, %v", res, err)
			}
		}},
		{"SyncDeclared", func(t *testing.T, s store.Store) {
			res, err := s.SyncDeclared(t.Context(), []string{"c.toml"}, []store.Feed{{URL: u, ConfigFile: "c.toml", ConfigLine: 1}})
			if err != nil || len(res.Added) != 1 {
				t.Fatalf("SyncDeclared = %+v, %v", res, err)
			}
		}},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			s := open(t)
			ctx := t.Context()
			f := addFeed(t, s, u)
			it := item("again", 1)
			save(t, s, f.ID, fetch(it))
			kept := all(t, s, store.Query{FeedID: f.ID})
			if len(kept) != 1 {
				t.Fatalf("%d items saved; want 1", len(kept))
			}
			if _, err := s.SetStarred(ctx, ids(kept), true); err != nil {
				t.Fatal(err)
			}
			if err := s.RemoveFeed(ctx, u); err != nil {
				t.Fatal(err)
			}

			w.add(t, s)
			g := feedByURL(t, s, u)
			if g.Items != 1 {
				t.Errorf("re-added feed counts %d items; want its kept starred one", g.Items)
			}
			if res := save(t, s, g.ID, fetch(it)); res.New != 0 {
				t.Errorf("saving the kept item again = %d new; want 0 (one row per feed and key)", res.New)
			}
			got := all(t, s, store.Query{FeedID: g.ID})
			if len(got) != 1 || got[0].ID != kept[0].ID || !got[0].Starred || got[0].FeedID != g.ID {
				t.Errorf("items of the re-added feed = %+v; want the one kept row, starred, under feed %d", got, g.ID)
			}
			if n := len(all(t, s, store.Query{})); n != 1 {
				t.Errorf("%d items in all; want 1", n)
			}
		})
	}
}

func checkDeclared(t *testing.T, what string, err error) {
	t.Helper()
	wantErr(t, what+" of a config feed", err, store.ErrDeclared)
	var de *store.DeclaredError
	if !errors.As(err, &de) {
		t.Fatalf("%s: %v is not a *store.DeclaredError", what, err)
	}
	if de.File != "/etc/tidings.toml" || de.Line != 12 || de.URL != "https://c.test/feed" {
		t.Errorf("%s: DeclaredError %+v; want the file, line 12 and URL", what, de)
	}
	// Its text says it all; a prefix would repeat the feed's URL.
	if err.Error() != de.Error() {
		t.Errorf("%s: error %q; want the DeclaredError's text alone, %q", what, err, de)
	}
}

func testSync(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	user := addFeed(t, s, "https://user.test/feed", "mine")
	taken, err := s.AddFeed(ctx, store.Feed{URL: "https://taken.test/feed", UserTitle: "My title", Schedule: "@weekly",
		Tags: []string{"keep", "me"}})
	if err != nil {
		t.Fatal(err)
	}
	save(t, s, taken.ID, fetch(items("taken", 3)...))

	owned := []string{"c.toml"}
	decl := []store.Feed{
		{URL: "https://one.test/feed", Tags: []string{"x"}, Schedule: "@daily", ConfigFile: "c.toml", ConfigLine: 3},
		{URL: "https://two.test/feed", UserTitle: "Two", ConfigFile: "c.toml", ConfigLine: 8},
		{URL: "https://taken.test/feed", Tags: []string{"cfg"}, ConfigFile: "c.toml", ConfigLine: 12},
	}
	res, err := s.SyncDeclared(ctx, owned, decl)
	if err != nil {
		t.Fatalf("SyncDeclared: %v", err)
	}
	if !equalSet(res.Added, []string{"https://one.test/feed", "https://two.test/feed"}) ||
		!slices.Equal(res.Conflicts, []string{"https://taken.test/feed"}) || len(res.Updated)+len(res.Removed) != 0 {
		t.Errorf("first sync = %+v", res)
	}
	one := feedByURL(t, s, "https://one.test/feed")
	if one.Origin != store.OriginConfig || one.ConfigFile != "c.toml" || one.ConfigLine != 3 ||
		one.Schedule != "@daily" || !slices.Equal(one.Tags, []string{"x"}) {
		t.Errorf("declared feed stored as %+v", one)
	}
	if tk := feedByURL(t, s, "https://taken.test/feed"); tk.Origin != store.OriginConfig || tk.Items != 3 || tk.ID != taken.ID ||
		!slices.Equal(tk.Tags, []string{"cfg"}) || tk.Schedule != "" {
		t.Errorf("taken-over feed = origin %s, %d items, id %d, tags %q, schedule %q; want config, its 3 items, same id, "+
			"the declared tags and schedule", tk.Origin, tk.Items, tk.ID, tk.Tags, tk.Schedule)
	}

	files, err := s.ConfigFiles(ctx)
	if err != nil || !maps.Equal(files, map[string]int{"c.toml": 3}) {
		t.Errorf("ConfigFiles = %v, %v; want c.toml with 3 feeds (user feeds are no file's)", files, err)
	}
	save(t, s, feedByURL(t, s, "https://two.test/feed").ID, fetch(items("two", 2)...))

	// Same again: nothing to do.
	res, err = s.SyncDeclared(ctx, owned, decl)
	if err != nil || len(res.Added)+len(res.Updated)+len(res.Removed)+len(res.Conflicts) != 0 {
		t.Errorf("repeated sync = %+v, %v; want no changes", res, err)
	}

	// Change one, drop one.
	decl = []store.Feed{
		{URL: "https://one.test/feed", Tags: []string{"y"}, Schedule: "@hourly", ConfigFile: "c.toml", ConfigLine: 4},
		{URL: "https://taken.test/feed", Tags: []string{"cfg"}, ConfigFile: "c.toml", ConfigLine: 12},
	}
	res, err = s.SyncDeclared(ctx, owned, decl)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Updated, []string{"https://one.test/feed"}) || !slices.Equal(res.Removed, []string{"https://two.test/feed"}) ||
		len(res.Added)+len(res.Conflicts) != 0 {
		t.Errorf("second sync = %+v", res)
	}
	if !maps.Equal(res.RemovedItems, map[string]int{"https://two.test/feed": 2}) {
		t.Errorf("second sync RemovedItems = %v; want two.test's 2 items", res.RemovedItems)
	}
	one = feedByURL(t, s, "https://one.test/feed")
	if one.ConfigLine != 4 || one.Schedule != "@hourly" || !slices.Equal(one.Tags, []string{"y"}) {
		t.Errorf("updated declared feed = %+v", one)
	}
	_, err = s.Feed(ctx, "https://two.test/feed")
	wantErr(t, "Feed of an undeclared config feed", err, store.ErrNotFound)

	// Another file's feeds: a sync that owns only c.toml leaves them alone,
	// and so does a sync that owns no file at all.
	if _, err := s.SyncDeclared(ctx, []string{"other.toml"}, []store.Feed{
		{URL: "https://other.test/feed", ConfigFile: "other.toml", ConfigLine: 1},
	}); err != nil {
		t.Fatal(err)
	}
	res, err = s.SyncDeclared(ctx, owned, decl)
	if err != nil || len(res.Removed) != 0 {
		t.Errorf("sync of c.toml = %+v, %v; want other.toml's feed left alone", res, err)
	}
	res, err = s.SyncDeclared(ctx, nil, nil)
	if err != nil || len(res.Removed) != 0 {
		t.Errorf("sync owning no file = %+v, %v; want nothing removed", res, err)
	}
	if o := feedByURL(t, s, "https://other.test/feed"); o.Origin != store.OriginConfig || o.ConfigFile != "other.toml" {
		t.Errorf("other file's feed = %+v; want it kept as declared", o)
	}
	files, err = s.ConfigFiles(ctx)
	if err != nil || !maps.Equal(files, map[string]int{"c.toml": 2, "other.toml": 1}) {
		t.Errorf("ConfigFiles = %v, %v; want c.toml with 2 feeds, other.toml with 1", files, err)
	}
	feedByURL(t, s, "https://one.test/feed")

	// Empty config: every config feed of c.toml goes, user feeds and
	// other.toml's feed stay untouched.
	res, err = s.SyncDeclared(ctx, owned, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Removed, []string{"https://one.test/feed"}) || !slices.Equal(res.Released, []string{"https://taken.test/feed"}) {
		t.Errorf("empty sync removed %q and released %q; want one.test removed, taken.test released", res.Removed, res.Released)
	}
	// The feed the user added is the user's again, as it was, items and all.
	tk := feedByURL(t, s, "https://taken.test/feed")
	if tk.ID != taken.ID || tk.Origin != store.OriginUser || tk.Items != 3 || tk.UserTitle != "My title" ||
		tk.Schedule != "@weekly" || !slices.Equal(tk.Tags, []string{"keep", "me"}) || tk.ConfigFile != "" {
		t.Errorf("released feed = %+v; want the user's feed back with its title, schedule, tags and 3 items", tk)
	}
	if _, err := s.EditFeed(ctx, tk.URL, store.FeedEdit{AddTags: []string{"again"}}); err != nil {
		t.Errorf("EditFeed of a released feed: %v", err)
	}
	u := feedByURL(t, s, user.URL)
	if u.Origin != store.OriginUser || !slices.Equal(u.Tags, []string{"mine"}) {
		t.Errorf("user feed changed by sync: %+v", u)
	}
}

func testImport(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	addFeed(t, s, "https://old.test/feed")

	// A broken entry anywhere: nothing is added.
	_, err := s.ImportFeeds(ctx, []store.Feed{{URL: "https://new1.test/feed"}, {URL: ""}})
	if err == nil {
		t.Fatal("ImportFeeds with an empty URL succeeded")
	}
	if _, err := s.Feed(ctx, "https://new1.test/feed"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed import left a feed behind: %v", err)
	}

	res, err := s.ImportFeeds(ctx, []store.Feed{
		{URL: "https://new1.test/feed", Tags: []string{"a", "b"}, UserTitle: "New one"},
		{URL: "https://old.test/feed"},
		{URL: "https://new2.test/feed", Origin: store.OriginConfig},
		{URL: "https://new1.test/feed"},
	})
	if err != nil {
		t.Fatalf("ImportFeeds: %v", err)
	}
	if !slices.Equal(res.Added, []string{"https://new1.test/feed", "https://new2.test/feed"}) ||
		!equalSet(res.Skipped, []string{"https://old.test/feed", "https://new1.test/feed"}) {
		t.Errorf("ImportFeeds = %+v", res)
	}
	f := feedByURL(t, s, "https://new1.test/feed")
	if !slices.Equal(f.Tags, []string{"a", "b"}) || f.UserTitle != "New one" || f.Origin != store.OriginUser {
		t.Errorf("imported feed = %+v", f)
	}
	if f := feedByURL(t, s, "https://new2.test/feed"); f.Origin != store.OriginUser {
		t.Errorf("imported feed has origin %s; imports are user feeds", f.Origin)
	}
}
