package postgres

import (
	"slices"
	"testing"

	"tidings/store"
)

func TestImportEdgeCases(t *testing.T) {
	db := openEmpty(t)
	res, err := db.ImportFeeds(t.Context(), nil)
	if err != nil || len(res.Added)+len(res.Skipped) != 0 {
		t.Errorf("import of nothing = %+v, %v", res, err)
	}
	if _, err := db.AddFeed(t.Context(), store.Feed{URL: "https://have.test/feed"}); err != nil {
		t.Fatal(err)
	}
	res, err = db.ImportFeeds(t.Context(), []store.Feed{{URL: "https://have.test/feed"}, {URL: "https://have.test/feed"}})
	if err != nil || len(res.Added) != 0 || !slices.Equal(res.Skipped, []string{"https://have.test/feed", "https://have.test/feed"}) {
		t.Errorf("import of a subscribed feed, twice = %+v, %v; want both skipped", res, err)
	}
	// A feed's FetchURL counts as subscribed too.
	if _, err := db.SyncDeclared(t.Context(), []string{"c.toml"}, []store.Feed{{URL: "https://decl.test/feed", ConfigFile: "c.toml", ConfigLine: 1}}); err != nil {
		t.Fatal(err)
	}
	f, err := db.Feed(t.Context(), "https://decl.test/feed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetch(t.Context(), f.ID, store.FetchResult{MoveTo: "https://moved.test/feed"}); err != nil {
		t.Fatal(err)
	}
	res, err = db.ImportFeeds(t.Context(), []store.Feed{{URL: "https://moved.test/feed"}, {URL: "https://new.test/feed", Tags: []string{" x ", "x", ""}}})
	if err != nil || !slices.Equal(res.Skipped, []string{"https://moved.test/feed"}) || !slices.Equal(res.Added, []string{"https://new.test/feed"}) {
		t.Errorf("import = %+v, %v; want the moved-to URL skipped and the new one added", res, err)
	}
	if got, err := db.Feed(t.Context(), "https://new.test/feed"); err != nil || !slices.Equal(got.Tags, []string{"x"}) {
		t.Errorf("imported feed tags = %q, %v; want [x]", got.Tags, err)
	}
}
