package storetest

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"tidings/store"
)

// fullContentFeeds is FullContentFeeds as sorted IDs, failing the test on
// an error.
func fullContentFeeds(t *testing.T, s store.Store, ids ...int64) []int64 {
	t.Helper()
	got, err := s.FullContentFeeds(t.Context(), ids)
	if err != nil {
		t.Fatalf("FullContentFeeds(%v): %v", ids, err)
	}
	return slices.Sorted(maps.Keys(got))
}

func pending(t *testing.T, s store.Store, feedID int64, since time.Time) []string {
	t.Helper()
	its, err := s.PendingArticles(t.Context(), feedID, since, 100)
	if err != nil {
		t.Fatalf("PendingArticles(feed %d): %v", feedID, err)
	}
	var urls []string
	for _, it := range its {
		if it.ID == 0 || it.FeedID != feedID || it.Content == "" {
			t.Errorf("PendingArticles item %+v: want its ID, feed and content", it)
		}
		urls = append(urls, it.URL)
	}
	return urls
}

func testContent(t *testing.T, open opener) {
	t.Run("FullContentPerSubscription", func(t *testing.T) {
		s, alice := setup(t, open)
		bob := newUser(t, s, "bob")
		ctx := t.Context()
		in := sub("https://a.test/feed")
		in.FullContent = true
		a := subscribeTo(t, s, alice, in)
		if !a.FullContent {
			t.Error("Subscribe with FullContent returned it off")
		}
		subscribe(t, s, bob, "https://a.test/feed")
		b := subscribe(t, s, alice, "https://b.test/feed")
		if got := subByURL(t, s, bob, "https://a.test/feed"); got.FullContent {
			t.Error("bob's subscription has FullContent from alice's")
		}
		if got := fullContentFeeds(t, s, a.ID, b.ID); !slices.Equal(got, []int64{a.ID}) {
			t.Errorf("FullContentFeeds = %v, want [%d]: one subscriber asking is enough", got, a.ID)
		}
		// Bob asks too, alice stops: still fetched in full for bob.
		if got, err := s.SetFullContent(ctx, bob, "https://a.test/feed", true); err != nil || !got.FullContent {
			t.Fatalf("SetFullContent(bob, on) = %+v, %v", got.FullContent, err)
		}
		if got, err := s.SetFullContent(ctx, alice, "https://a.test/feed", false); err != nil || got.FullContent {
			t.Fatalf("SetFullContent(alice, off) = %+v, %v", got.FullContent, err)
		}
		if got := fullContentFeeds(t, s, a.ID, b.ID); !slices.Equal(got, []int64{a.ID}) {
			t.Errorf("FullContentFeeds after alice stopped = %v, want [%d] for bob", got, a.ID)
		}
		if _, err := s.SetFullContent(ctx, bob, "https://a.test/feed", false); err != nil {
			t.Fatal(err)
		}
		if got := fullContentFeeds(t, s, a.ID, b.ID); len(got) != 0 {
			t.Errorf("FullContentFeeds after both stopped = %v, want none", got)
		}
		if got := fullContentFeeds(t, s); len(got) != 0 {
			t.Errorf("FullContentFeeds() = %v, want none", got)
		}
		_, err := s.SetFullContent(ctx, alice, "https://nowhere.test/feed", true)
		wantErr(t, "SetFullContent of an unknown feed", err, store.ErrNotFound)
		_, err = s.SetFullContent(ctx, bob, "https://b.test/feed", true)
		wantErr(t, "SetFullContent of another user's feed", err, store.ErrNotFound)
	})

	t.Run("FullContentDeclared", func(t *testing.T) {
		s, alice := setup(t, open)
		ctx := t.Context()
		decl := []store.Subscription{
			{Feed: store.Feed{URL: "https://c.test/one"}, Origin: store.OriginConfig, ConfigFile: "c.toml", ConfigLine: 1},
			{Feed: store.Feed{URL: "https://c.test/two"}, Origin: store.OriginConfig, ConfigFile: "c.toml", ConfigLine: 5},
		}
		if _, err := s.SyncDeclared(ctx, alice, []string{"c.toml"}, decl); err != nil {
			t.Fatal(err)
		}
		other := []store.Subscription{{Feed: store.Feed{URL: "https://d.test/feed"}, Origin: store.OriginConfig,
			ConfigFile: "d.toml", ConfigLine: 1}}
		if _, err := s.SyncDeclared(ctx, alice, []string{"d.toml"}, other); err != nil {
			t.Fatal(err)
		}
		if err := s.SyncFullContent(ctx, alice, []string{"d.toml"}, []string{"https://d.test/feed"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SyncFullContent(ctx, alice, []string{"c.toml"}, []string{"https://c.test/two"}); err != nil {
			t.Fatal(err)
		}
		for url, want := range map[string]bool{"https://c.test/one": false, "https://c.test/two": true, "https://d.test/feed": true} {
			if got := subByURL(t, s, alice, url); got.FullContent != want {
				t.Errorf("%s: FullContent %v, want %v", url, got.FullContent, want)
			}
		}
		// The block loses full_content = true: off again; d.toml's stays.
		if err := s.SyncFullContent(ctx, alice, []string{"c.toml"}, nil); err != nil {
			t.Fatal(err)
		}
		if subByURL(t, s, alice, "https://c.test/two").FullContent || !subByURL(t, s, alice, "https://d.test/feed").FullContent {
			t.Error("SyncFullContent(c.toml, none) did not turn c.toml's off, or touched d.toml's")
		}
		_, err := s.SetFullContent(ctx, alice, "https://c.test/one", true)
		var de *store.DeclaredError
		if !errors.As(err, &de) || de.File != "c.toml" || de.Line != 1 {
			t.Errorf("SetFullContent of a declared feed: %v, want a DeclaredError for c.toml line 1", err)
		}
	})

	t.Run("Articles", func(t *testing.T) {
		s, alice := setup(t, open)
		bob := newUser(t, s, "bob")
		ctx := t.Context()
		f := subscribe(t, s, alice, "https://a.test/feed")
		subscribe(t, s, bob, "https://other.test/feed")
		noLink := item("a", 2)
		noLink.URL, noLink.GUID = "", "a-nolink"
		save(t, s, f.ID, fetch(item("a", 0), item("a", 1), noLink))
		got := pending(t, s, f.ID, fetchTime)
		want := []string{item("a", 0).URL, item("a", 1).URL}
		if !slices.Equal(got, want) {
			t.Fatalf("PendingArticles = %v, want %v (items with a link, oldest first)", got, want)
		}
		if got := pending(t, s, f.ID, fetchTime.Add(time.Second)); len(got) != 0 {
			t.Errorf("PendingArticles since after the fetch = %v, want none", got)
		}
		its, _ := s.PendingArticles(ctx, f.ID, fetchTime, 100)
		first, second := its[0], its[1]

		art := store.Article{ItemID: first.ID, URL: first.URL + "?final", Content: "<p>The whole article.</p>",
			FetchedAt: fetchTime.Add(time.Minute)}
		if err := s.SaveArticle(ctx, art); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveArticle(ctx, store.Article{ItemID: second.ID, Error: "no article found on the page",
			FetchedAt: fetchTime.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if got := pending(t, s, f.ID, fetchTime); len(got) != 0 {
			t.Errorf("PendingArticles after both were tried = %v, want none", got)
		}
		if got := subByURL(t, s, alice, f.URL); got.ArticleError != "" {
			t.Errorf("ArticleError %q after SaveArticle alone, want none: SetArticleError sets it", got.ArticleError)
		}
		if err := s.SetArticleError(ctx, f.ID, "1 of 2 failed"); err != nil {
			t.Fatal(err)
		}
		if got := subByURL(t, s, alice, f.URL); got.ArticleError != "1 of 2 failed" {
			t.Errorf("ArticleError %q, want the one set", got.ArticleError)
		}
		// A later fetch does not touch it.
		save(t, s, f.ID, fetch(item("a", 0), item("a", 1), noLink))
		if got := subByURL(t, s, alice, f.URL); got.ArticleError != "1 of 2 failed" {
			t.Errorf("ArticleError %q after SaveFetch, want it kept", got.ArticleError)
		}
		if err := s.SetArticleError(ctx, f.ID, ""); err != nil {
			t.Fatal(err)
		}
		a, err := s.Article(ctx, alice, first.ID)
		if err != nil || a != art {
			t.Errorf("Article = %+v, %v; want %+v", a, err, art)
		}
		// The feed's own content stays beside the article.
		if it, err := s.Item(ctx, alice, first.ID); err != nil || it.Content != item("a", 0).Content {
			t.Errorf("Item content %q, %v; want the feed's own", it.Content, err)
		}
		_, err = s.Article(ctx, bob, first.ID)
		wantErr(t, "Article of an item the user may not read", err, store.ErrNotFound)
		_, err = s.Article(ctx, alice, first.ID+1000)
		wantErr(t, "Article of an unknown item", err, store.ErrNotFound)

		// Fetched again on demand: replaced.
		again := store.Article{ItemID: second.ID, URL: second.URL, Content: "<p>Found this time.</p>",
			FetchedAt: fetchTime.Add(time.Hour)}
		if err := s.SaveArticle(ctx, again); err != nil {
			t.Fatal(err)
		}
		if a, err := s.Article(ctx, alice, second.ID); err != nil || a != again {
			t.Errorf("Article after a second save = %+v, %v; want %+v", a, err, again)
		}
		if got := subByURL(t, s, alice, f.URL); got.ArticleError != "" {
			t.Errorf("ArticleError %q after clearing it, want none", got.ArticleError)
		}
		err = s.SetArticleError(ctx, f.ID+1000, "x")
		wantErr(t, "SetArticleError of an unknown feed", err, store.ErrNotFound)
		err = s.SaveArticle(ctx, store.Article{ItemID: first.ID + 1000, Content: "x"})
		wantErr(t, "SaveArticle of an unknown item", err, store.ErrNotFound)

		// A later fetch: only its new items wait.
		later := fetch(item("a", 0), item("a", 1), noLink, item("a", 3))
		later.Now = fetchTime.Add(2 * time.Hour)
		save(t, s, f.ID, later)
		if got := pending(t, s, f.ID, later.Now); !slices.Equal(got, []string{item("a", 3).URL}) {
			t.Errorf("PendingArticles after a second fetch = %v, want only its new item", got)
		}
		// An article without an item: gone with the feed.
		if err := s.Unsubscribe(ctx, alice, f.URL); err != nil {
			t.Fatal(err)
		}
		err = s.SaveArticle(ctx, store.Article{ItemID: first.ID, Content: "x"})
		wantErr(t, "SaveArticle of an item gone with its feed", err, store.ErrNotFound)
	})

	t.Run("UnreadableDates", func(t *testing.T) {
		s, alice := setup(t, open)
		f := subscribe(t, s, alice, "https://a.test/feed")
		r := fetch(item("a", 0))
		r.State.UnreadableDates = 3
		save(t, s, f.ID, r)
		if got := subByURL(t, s, alice, f.URL); got.State.UnreadableDates != 3 {
			t.Errorf("Subscription UnreadableDates %d, want 3", got.State.UnreadableDates)
		}
		for _, feed := range feedList(t, s) {
			if feed.ID == f.ID && feed.State.UnreadableDates != 3 {
				t.Errorf("FeedList UnreadableDates %d, want 3", feed.State.UnreadableDates)
			}
		}
		r.State.UnreadableDates = 0
		save(t, s, f.ID, r)
		if got := subByURL(t, s, alice, f.URL); got.State.UnreadableDates != 0 {
			t.Errorf("UnreadableDates %d after a fetch with none, want 0", got.State.UnreadableDates)
		}
	})
}
