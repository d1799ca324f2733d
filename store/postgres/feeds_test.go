package postgres

import (
	"slices"
	"testing"

	"tidings/store"
)

func TestImportEdgeCases(t *testing.T) {
	db := openEmpty(t)
	user := me(t, db)
	res, err := db.ImportFeeds(t.Context(), user, nil)
	if err != nil || len(res.Added)+len(res.Skipped) != 0 {
		t.Errorf("import of nothing = %+v, %v", res, err)
	}
	subscribeURL(t, db, user, "https://have.test/feed")
	res, err = db.ImportFeeds(t.Context(), user, feedsOf("https://have.test/feed", "https://have.test/feed"))
	if err != nil || len(res.Added) != 0 || !slices.Equal(res.Skipped, []string{"https://have.test/feed", "https://have.test/feed"}) {
		t.Errorf("import of a subscribed feed, twice = %+v, %v; want both skipped", res, err)
	}
	// A feed's FetchURL counts as subscribed too.
	if _, err := db.SyncDeclared(t.Context(), user, []string{"c.toml"}, []store.Subscription{{Feed: store.Feed{URL: "https://decl.test/feed"},
		ConfigFile: "c.toml", ConfigLine: 1}}); err != nil {
		t.Fatal(err)
	}
	f, err := db.Subscription(t.Context(), user, "https://decl.test/feed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetch(t.Context(), f.ID, store.FetchResult{MoveTo: "https://moved.test/feed"}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Subscription(t.Context(), user, "https://moved.test/feed"); err != nil || got.URL != "https://decl.test/feed" ||
		got.FetchURL != "https://moved.test/feed" {
		t.Errorf("moved config feed = %q fetched from %q, %v; want its declared URL, fetched from the new one", got.URL, got.FetchURL, err)
	}
	imp := feedsOf("https://moved.test/feed", "https://new.test/feed")
	imp[1].Tags = []string{" x ", "x", ""}
	res, err = db.ImportFeeds(t.Context(), user, imp)
	if err != nil || !slices.Equal(res.Skipped, []string{"https://moved.test/feed"}) || !slices.Equal(res.Added, []string{"https://new.test/feed"}) {
		t.Errorf("import = %+v, %v; want the moved-to URL skipped and the new one added", res, err)
	}
	if got, err := db.Subscription(t.Context(), user, "https://new.test/feed"); err != nil || !slices.Equal(got.Tags, []string{"x"}) {
		t.Errorf("imported feed tags = %q, %v; want [x]", got.Tags, err)
	}
}
