package storetest

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"tidings/store"
)

func testSubscriptions(t *testing.T, open opener) {
	t.Run("SubscribeAndGet", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		f, err := s.Subscribe(ctx, u, store.Subscription{Feed: store.Feed{URL: "https://b.test/feed"},
			Tags: []string{"go", "News", "go", " ", "GO"}, Schedule: "@hourly", UserTitle: "Mine"})
		if err != nil {
			t.Fatalf("Subscribe: %v", err)
		}
		if f.ID == 0 || f.UserID != u || f.Origin != store.OriginUser || f.Schedule != "@hourly" || f.UserTitle != "Mine" {
			t.Errorf("Subscribe returned %+v; want a feed ID, the user, origin user, the schedule and title", f)
		}
		if !slices.Equal(f.Tags, []string{"go", "news"}) {
			t.Errorf("tags %q; want [go news] (lowercased, in order, repeats and blanks dropped)", f.Tags)
		}
		if f.CreatedAt.IsZero() || f.SubscribedAt.IsZero() {
			t.Errorf("CreatedAt %v, SubscribedAt %v; want both set", f.CreatedAt, f.SubscribedAt)
		}
		if !slices.Equal(f.Schedules, []string{"@hourly"}) {
			t.Errorf("Schedules %q; want [@hourly], the one subscriber's", f.Schedules)
		}
		_, err = s.Subscribe(ctx, u, sub("https://b.test/feed"))
		wantErr(t, "Subscribe twice", err, store.ErrExists)
		subscribe(t, s, u, "https://a.test/feed")

		got := subByURL(t, s, u, "https://b.test/feed")
		if got.ID != f.ID || !slices.Equal(got.Tags, f.Tags) || got.UserTitle != "Mine" || got.Schedule != "@hourly" {
			t.Errorf("Subscription = %+v; want %+v", got, f)
		}
		_, err = s.Subscription(ctx, u, "https://nowhere.test/")
		wantErr(t, "Subscription of an unknown URL", err, store.ErrNotFound)

		subs, err := s.Subscriptions(ctx, u, false)
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, f := range subs {
			urls = append(urls, f.URL)
		}
		if !slices.Equal(urls, []string{"https://a.test/feed", "https://b.test/feed"}) {
			t.Errorf("Subscriptions = %q; want both, ordered by URL", urls)
		}
		save(t, s, f.ID, fetch(items("listed", 2)...))
		withCounts, err := s.Subscriptions(ctx, u, true)
		if err != nil {
			t.Fatal(err)
		}
		list := feedList(t, s)
		if len(list) != len(withCounts) {
			t.Fatalf("FeedList has %d feeds; want %d, as Subscriptions of their one subscriber", len(list), len(withCounts))
		}
		for i := range list {
			if !reflect.DeepEqual(list[i], withCounts[i].Feed) {
				t.Errorf("FeedList[%d] = %+v; want %+v: the feed of Subscriptions", i, list[i], withCounts[i].Feed)
			}
		}
		if withCounts[1].Items != 2 || withCounts[1].Unread != 2 {
			t.Errorf("Subscriptions counts %d items %d unread of b.test; want 2 and 2", withCounts[1].Items, withCounts[1].Unread)
		}
		without, err := s.Subscriptions(ctx, u, false)
		if err != nil {
			t.Fatal(err)
		}
		if without[1].Items != 0 || without[1].Unread != 0 {
			t.Errorf("Subscriptions without counts has %d/%d; want zeros", without[1].Items, without[1].Unread)
		}
	})

	t.Run("Counts", func(t *testing.T) {
		s, u := setup(t, open)
		f := subscribe(t, s, u, "https://count.test/feed")
		subscribe(t, s, u, "https://empty.test/feed")
		save(t, s, f.ID, fetch(items("c", 5)...))
		got, _, err := s.Items(t.Context(), u, store.Query{FeedID: f.ID, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		setRead(t, s, u, ids(got), true)
		f = subByURL(t, s, u, f.URL)
		if f.Items != 5 || f.Unread != 3 {
			t.Errorf("Subscription counts %d items %d unread; want 5 and 3", f.Items, f.Unread)
		}
		feeds, err := s.Subscriptions(t.Context(), u, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range feeds {
			want := [2]int{0, 0}
			if g.ID == f.ID {
				want = [2]int{5, 3}
			}
			if [2]int{g.Items, g.Unread} != want {
				t.Errorf("Subscriptions: %s counts %d/%d; want %d/%d", g.URL, g.Items, g.Unread, want[0], want[1])
			}
		}
	})

	t.Run("Edit", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		subscribe(t, s, u, "https://e.test/feed", "a", "b")
		title, sched := "New title", "*/5 * * * *"
		f, err := s.EditSubscription(ctx, u, "https://e.test/feed", store.FeedEdit{Title: &title, Schedule: &sched,
			AddTags: []string{"c", "a"}, RemoveTags: []string{"b"}})
		if err != nil {
			t.Fatalf("EditSubscription: %v", err)
		}
		if f.UserTitle != title || f.Schedule != sched || !slices.Equal(f.Tags, []string{"a", "c"}) {
			t.Errorf("EditSubscription = title %q schedule %q tags %q; want %q %q [a c]", f.UserTitle, f.Schedule, f.Tags, title, sched)
		}
		if got := subByURL(t, s, u, f.URL); got.UserTitle != title || !slices.Equal(got.Tags, f.Tags) ||
			!slices.Equal(got.Schedules, []string{sched}) {
			t.Errorf("edit not stored: %+v", got)
		}
		// Nil fields are left alone.
		f, err = s.EditSubscription(ctx, u, "https://e.test/feed", store.FeedEdit{})
		if err != nil || f.UserTitle != title || f.Schedule != sched {
			t.Errorf("empty edit changed the subscription: %+v, %v", f, err)
		}
		// A pointer to "" clears.
		empty := ""
		f, err = s.EditSubscription(ctx, u, "https://e.test/feed", store.FeedEdit{Title: &empty, Schedule: &empty})
		if err != nil || f.UserTitle != "" || f.Schedule != "" || f.Name() != f.URL {
			t.Errorf("edit clearing title and schedule = %+v, %v; want both empty", f, err)
		}
		_, err = s.EditSubscription(ctx, u, "https://nowhere.test/", store.FeedEdit{Title: &title})
		wantErr(t, "EditSubscription of an unknown URL", err, store.ErrNotFound)
	})

	t.Run("TagsIgnoreCase", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		f := subscribe(t, s, u, "https://case.test/feed", "Go", "News")
		subscribe(t, s, u, "https://other.test/feed", "rust")
		if !slices.Equal(f.Tags, []string{"go", "news"}) {
			t.Errorf("Subscribe tags %q; want [go news]", f.Tags)
		}
		save(t, s, f.ID, fetch(items("case", 3)...))
		for _, tag := range []string{"go", "GO", "Go", " gO "} {
			if got := all(t, s, u, store.Query{Tag: tag}); len(got) != 3 {
				t.Errorf("Items(tag %q) = %d items; want the feed's 3", tag, len(got))
			}
		}
		if n, err := s.MarkAllRead(ctx, u, store.Query{Tag: "NEWS"}); err != nil || n != 3 {
			t.Errorf("MarkAllRead(tag NEWS) = %d, %v; want 3", n, err)
		}
		f, err := s.EditSubscription(ctx, u, f.URL, store.FeedEdit{AddTags: []string{"NEWS", "Later"}, RemoveTags: []string{"GO"}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.Tags, []string{"news", "later"}) {
			t.Errorf("EditSubscription(add NEWS Later, remove GO) tags %q; want [news later]", f.Tags)
		}
		if got := all(t, s, u, store.Query{Tag: "go"}); len(got) != 0 {
			t.Errorf("Items(tag go) after untagging GO = %d items; want none", len(got))
		}
		in := sub("https://imp.test/feed", "Mixed", "mixed")
		if _, err := s.ImportFeeds(ctx, u, []store.Subscription{in}); err != nil {
			t.Fatal(err)
		}
		if got := subByURL(t, s, u, "https://imp.test/feed"); !slices.Equal(got.Tags, []string{"mixed"}) {
			t.Errorf("imported tags %q; want [mixed]", got.Tags)
		}
		decl := []store.Subscription{declared("https://decl.test/feed", "c.toml", 1)}
		decl[0].Tags = []string{"Config", "CONFIG"}
		if _, err := s.SyncDeclared(ctx, u, []string{"c.toml"}, decl); err != nil {
			t.Fatal(err)
		}
		if got := subByURL(t, s, u, "https://decl.test/feed"); !slices.Equal(got.Tags, []string{"config"}) {
			t.Errorf("declared tags %q; want [config]", got.Tags)
		}
		decl[0].Tags = []string{"config"}
		if res, err := s.SyncDeclared(ctx, u, []string{"c.toml"}, decl); err != nil || len(res.Updated) != 0 {
			t.Errorf("sync with the same tags in another case = %+v, %v; want no change", res, err)
		}
	})

	t.Run("Declared", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		if _, err := s.SyncDeclared(ctx, u, []string{"/etc/tidings.toml"},
			[]store.Subscription{declared("https://c.test/feed", "/etc/tidings.toml", 12)}); err != nil {
			t.Fatal(err)
		}
		title := "x"
		_, err := s.EditSubscription(ctx, u, "https://c.test/feed", store.FeedEdit{Title: &title})
		checkDeclared(t, "EditSubscription", err)
		checkDeclared(t, "Unsubscribe", s.Unsubscribe(ctx, u, "https://c.test/feed"))
		if f := subByURL(t, s, u, "https://c.test/feed"); f.UserTitle == title || f.Origin != store.OriginConfig {
			t.Errorf("config subscription after refused changes = %+v; want it unchanged", f)
		}
	})

	t.Run("Unsubscribe", func(t *testing.T) {
		s, u := setup(t, open)
		ctx := t.Context()
		f := subscribeTo(t, s, u, store.Subscription{Feed: store.Feed{URL: "https://r.test/feed"},
			UserTitle: "Removed feed", Tags: []string{"t"}})
		other := subscribe(t, s, u, "https://keep.test/feed")
		r := fetch(items("r", 4)...)
		r.Title = "Feed's own"
		save(t, s, f.ID, r)
		save(t, s, other.ID, fetch(items("k", 2)...))
		got := all(t, s, u, store.Query{FeedID: f.ID})
		starred, plain := got[0], got[1]
		if n, err := s.SetStarred(ctx, u, []int64{starred.ID}, true); err != nil || n != 1 {
			t.Fatalf("SetStarred = %d, %v", n, err)
		}

		err := s.Unsubscribe(ctx, u, "https://nowhere.test/")
		wantErr(t, "Unsubscribe of an unknown URL", err, store.ErrNotFound)
		unsubscribe(t, s, u, f.URL)
		_, err = s.Subscription(ctx, u, f.URL)
		wantErr(t, "Subscription after Unsubscribe", err, store.ErrNotFound)
		_, err = s.Item(ctx, u, plain.ID)
		wantErr(t, "Item of an unsubscribed feed's unstarred item", err, store.ErrNotFound)

		kept, err := s.Item(ctx, u, starred.ID)
		if err != nil {
			t.Fatalf("starred item of an unsubscribed feed: %v", err)
		}
		if kept.FeedURL != f.URL || (kept.FeedTitle != "Removed feed" && kept.FeedTitle != "Feed's own") ||
			!kept.Starred || kept.Title != starred.Title {
			t.Errorf("kept item = feed %q %q starred %v; want %q, the user's or feed's title, starred", kept.FeedURL,
				kept.FeedTitle, kept.Starred, f.URL)
		}
		st := all(t, s, u, store.Query{Starred: true})
		if len(st) != 1 || st[0].ID != starred.ID || st[0].FeedURL != f.URL {
			t.Errorf("Items(starred) after Unsubscribe = %v; want the one starred item with its feed URL", guids(st))
		}
		if n := len(all(t, s, u, store.Query{})); n != 3 {
			t.Errorf("%d items after Unsubscribe; want 3 (1 starred + the other feed's 2)", n)
		}
		// Nobody follows the feed: it is no longer fetched.
		if urls := listedURLs(t, s); !slices.Equal(urls, []string{other.URL}) {
			t.Errorf("FeedList after Unsubscribe = %q; want only %s", urls, other.URL)
		}
		if got := claim(t, s, store.ClaimRequest{Now: base, URLs: []string{f.URL}}); len(got) != 0 {
			t.Errorf("claim of a feed nobody follows = %q; want none", claimedURLs(got))
		}
		// The URL is free again.
		subscribe(t, s, u, f.URL)
	})
}

// declared is a subscription declared at line of file.
func declared(url, file string, line int) store.Subscription {
	return store.Subscription{Feed: store.Feed{URL: url}, ConfigFile: file, ConfigLine: line}
}

// testResubscribe unsubscribes from a feed whose item is starred and
// subscribes again, each way a subscription can be made: the kept item
// belongs to the feed again, so fetching it once more updates that row
// instead of adding a second.
func testResubscribe(t *testing.T, open opener) {
	const u = "https://again.test/feed"
	ways := []struct {
		name string
		add  func(t *testing.T, s store.Store, user int64)
	}{
		{"Subscribe", func(t *testing.T, s store.Store, user int64) { subscribe(t, s, user, u) }},
		{"ImportFeeds", func(t *testing.T, s store.Store, user int64) {
			if res, err := s.ImportFeeds(t.Context(), user, []store.Subscription{sub(u)}); err != nil || len(res.Added) != 1 {
				t.Fatalf("ImportFeeds = %+v, %v", res, err)
			}
		}},
		{"SyncDeclared", func(t *testing.T, s store.Store, user int64) {
			res, err := s.SyncDeclared(t.Context(), user, []string{"c.toml"}, []store.Subscription{declared(u, "c.toml", 1)})
			if err != nil || len(res.Added) != 1 {
				t.Fatalf("SyncDeclared = %+v, %v", res, err)
			}
		}},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			s, user := setup(t, open)
			f := subscribe(t, s, user, u)
			it := item("again", 1)
			save(t, s, f.ID, fetch(it))
			kept := all(t, s, user, store.Query{FeedID: f.ID})
			if len(kept) != 1 {
				t.Fatalf("%d items saved; want 1", len(kept))
			}
			setStarred(t, s, user, ids(kept), true)
			unsubscribe(t, s, user, u)

			w.add(t, s, user)
			g := subByURL(t, s, user, u)
			if g.Items != 1 {
				t.Errorf("subscribed-again feed counts %d items; want its kept starred one", g.Items)
			}
			if res := save(t, s, g.ID, fetch(it)); res.New != 0 {
				t.Errorf("saving the kept item again = %d new; want 0 (one row per feed and key)", res.New)
			}
			got := all(t, s, user, store.Query{FeedID: g.ID})
			if len(got) != 1 || got[0].ID != kept[0].ID || !got[0].Starred || got[0].FeedID != g.ID {
				t.Errorf("items of the subscribed-again feed = %+v; want the one kept row, starred, under feed %d", got, g.ID)
			}
			if n := len(all(t, s, user, store.Query{})); n != 1 {
				t.Errorf("%d items in all; want 1", n)
			}
		})
	}
}

func checkDeclared(t *testing.T, what string, err error) {
	t.Helper()
	wantErr(t, what+" of a config subscription", err, store.ErrDeclared)
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

func testSync(t *testing.T, open opener) {
	s, u := setup(t, open)
	ctx := t.Context()
	user := subscribe(t, s, u, "https://user.test/feed", "mine")
	taken := subscribeTo(t, s, u, store.Subscription{Feed: store.Feed{URL: "https://taken.test/feed"},
		UserTitle: "My title", Schedule: "@weekly", Tags: []string{"keep", "me"}})
	save(t, s, taken.ID, fetch(items("taken", 3)...))

	owned := []string{"c.toml"}
	one := declared("https://one.test/feed", "c.toml", 3)
	one.Tags, one.Schedule = []string{"x"}, "@daily"
	two := declared("https://two.test/feed", "c.toml", 8)
	two.UserTitle = "Two"
	tk := declared("https://taken.test/feed", "c.toml", 12)
	tk.Tags = []string{"cfg"}
	decl := []store.Subscription{one, two, tk}
	res, err := s.SyncDeclared(ctx, u, owned, decl)
	if err != nil {
		t.Fatalf("SyncDeclared: %v", err)
	}
	if !equalSet(res.Added, []string{"https://one.test/feed", "https://two.test/feed"}) ||
		!slices.Equal(res.Conflicts, []string{"https://taken.test/feed"}) || len(res.Updated)+len(res.Removed) != 0 {
		t.Errorf("first sync = %+v", res)
	}
	got := subByURL(t, s, u, "https://one.test/feed")
	if got.Origin != store.OriginConfig || got.ConfigFile != "c.toml" || got.ConfigLine != 3 ||
		got.Schedule != "@daily" || !slices.Equal(got.Tags, []string{"x"}) {
		t.Errorf("declared subscription stored as %+v", got)
	}
	if got := subByURL(t, s, u, "https://two.test/feed"); got.UserTitle != "Two" {
		t.Errorf("declared title %q; want Two", got.UserTitle)
	}
	if got := subByURL(t, s, u, "https://taken.test/feed"); got.Origin != store.OriginConfig || got.Items != 3 || got.ID != taken.ID ||
		!slices.Equal(got.Tags, []string{"cfg"}) || got.Schedule != "" {
		t.Errorf("taken-over subscription = origin %s, %d items, id %d, tags %q, schedule %q; want config, its 3 items, same id, "+
			"the declared tags and schedule", got.Origin, got.Items, got.ID, got.Tags, got.Schedule)
	}

	files, err := s.ConfigFiles(ctx, u)
	if err != nil || !maps.Equal(files, map[string]int{"c.toml": 3}) {
		t.Errorf("ConfigFiles = %v, %v; want c.toml with 3 subscriptions (user ones are no file's)", files, err)
	}
	save(t, s, subByURL(t, s, u, "https://two.test/feed").ID, fetch(items("two", 2)...))

	// Same again: nothing to do.
	res, err = s.SyncDeclared(ctx, u, owned, decl)
	if err != nil || len(res.Added)+len(res.Updated)+len(res.Removed)+len(res.Conflicts) != 0 {
		t.Errorf("repeated sync = %+v, %v; want no changes", res, err)
	}

	// Change one, drop one.
	one = declared("https://one.test/feed", "c.toml", 4)
	one.Tags, one.Schedule = []string{"y"}, "@hourly"
	decl = []store.Subscription{one, tk}
	res, err = s.SyncDeclared(ctx, u, owned, decl)
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
	got = subByURL(t, s, u, "https://one.test/feed")
	if got.ConfigLine != 4 || got.Schedule != "@hourly" || !slices.Equal(got.Tags, []string{"y"}) {
		t.Errorf("updated declared subscription = %+v", got)
	}
	_, err = s.Subscription(ctx, u, "https://two.test/feed")
	wantErr(t, "Subscription of an undeclared config subscription", err, store.ErrNotFound)
	if slices.Contains(listedURLs(t, s), "https://two.test/feed") {
		t.Error("FeedList still has the undeclared feed nobody else follows")
	}

	// Another file's subscriptions: a sync that owns only c.toml leaves
	// them alone, and so does a sync that owns no file at all.
	if _, err := s.SyncDeclared(ctx, u, []string{"other.toml"}, []store.Subscription{
		declared("https://other.test/feed", "other.toml", 1),
	}); err != nil {
		t.Fatal(err)
	}
	res, err = s.SyncDeclared(ctx, u, owned, decl)
	if err != nil || len(res.Removed) != 0 {
		t.Errorf("sync of c.toml = %+v, %v; want other.toml's subscription left alone", res, err)
	}
	res, err = s.SyncDeclared(ctx, u, nil, nil)
	if err != nil || len(res.Removed) != 0 {
		t.Errorf("sync owning no file = %+v, %v; want nothing removed", res, err)
	}
	if o := subByURL(t, s, u, "https://other.test/feed"); o.Origin != store.OriginConfig || o.ConfigFile != "other.toml" {
		t.Errorf("other file's subscription = %+v; want it kept as declared", o)
	}
	files, err = s.ConfigFiles(ctx, u)
	if err != nil || !maps.Equal(files, map[string]int{"c.toml": 2, "other.toml": 1}) {
		t.Errorf("ConfigFiles = %v, %v; want c.toml with 2 subscriptions, other.toml with 1", files, err)
	}
	subByURL(t, s, u, "https://one.test/feed")

	// Empty config: every config subscription of c.toml goes, user ones and
	// other.toml's stay untouched.
	res, err = s.SyncDeclared(ctx, u, owned, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Removed, []string{"https://one.test/feed"}) || !slices.Equal(res.Released, []string{"https://taken.test/feed"}) {
		t.Errorf("empty sync removed %q and released %q; want one.test removed, taken.test released", res.Removed, res.Released)
	}
	// The subscription the user made is the user's again, as it was,
	// items and all.
	back := subByURL(t, s, u, "https://taken.test/feed")
	if back.ID != taken.ID || back.Origin != store.OriginUser || back.Items != 3 || back.UserTitle != "My title" ||
		back.Schedule != "@weekly" || !slices.Equal(back.Tags, []string{"keep", "me"}) || back.ConfigFile != "" {
		t.Errorf("released subscription = %+v; want the user's back with its title, schedule, tags and 3 items", back)
	}
	if _, err := s.EditSubscription(ctx, u, back.URL, store.FeedEdit{AddTags: []string{"again"}}); err != nil {
		t.Errorf("EditSubscription of a released subscription: %v", err)
	}
	mine := subByURL(t, s, u, user.URL)
	if mine.Origin != store.OriginUser || !slices.Equal(mine.Tags, []string{"mine"}) {
		t.Errorf("user subscription changed by sync: %+v", mine)
	}
}

func testImport(t *testing.T, open opener) {
	s, u := setup(t, open)
	ctx := t.Context()
	subscribe(t, s, u, "https://old.test/feed")

	// A broken entry anywhere: nothing is added.
	_, err := s.ImportFeeds(ctx, u, []store.Subscription{sub("https://new1.test/feed"), sub("")})
	if err == nil {
		t.Fatal("ImportFeeds with an empty URL succeeded")
	}
	if _, err := s.Subscription(ctx, u, "https://new1.test/feed"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("failed import left a subscription behind: %v", err)
	}
	if slices.Contains(listedURLs(t, s), "https://new1.test/feed") {
		t.Fatal("failed import left a feed behind")
	}

	first := sub("https://new1.test/feed", "a", "b")
	first.UserTitle = "New one"
	cfg := sub("https://new2.test/feed")
	cfg.Origin = store.OriginConfig
	res, err := s.ImportFeeds(ctx, u, []store.Subscription{first, sub("https://old.test/feed"), cfg, sub("https://new1.test/feed")})
	if err != nil {
		t.Fatalf("ImportFeeds: %v", err)
	}
	if !slices.Equal(res.Added, []string{"https://new1.test/feed", "https://new2.test/feed"}) ||
		!equalSet(res.Skipped, []string{"https://old.test/feed", "https://new1.test/feed"}) {
		t.Errorf("ImportFeeds = %+v", res)
	}
	f := subByURL(t, s, u, "https://new1.test/feed")
	if !slices.Equal(f.Tags, []string{"a", "b"}) || f.UserTitle != "New one" || f.Origin != store.OriginUser {
		t.Errorf("imported subscription = %+v", f)
	}
	if f := subByURL(t, s, u, "https://new2.test/feed"); f.Origin != store.OriginUser {
		t.Errorf("imported subscription has origin %s; imports are user subscriptions", f.Origin)
	}
}
