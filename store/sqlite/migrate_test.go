package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tidings/store"
)

// TestUpgrade opens a database made by the first schema, with a feed and
// an indexed item in it, as a tidings of that schema left it: every later
// migration applies, the item is still there and found, and new items are
// stored and found next to it.
func TestUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	migs := mustMigrations(t)
	rawExec(t, path,
		"CREATE TABLE "+versionTable+" (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
		migs[0].SQL,
		"INSERT INTO "+versionTable+" (version, applied_at) VALUES (1, 0)",
		`INSERT INTO feeds (id, url, origin, created_at) VALUES (1, 'https://old.test/feed', 'user', 0)`,
		`INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen, read)
			VALUES (7, 1, 'https://old.test/feed', 'old-1', 'https://old.test/1', 'h', 'Old platypus', '<p>kept</p>', 1000, 1000, 1)`,
		`INSERT INTO items_fts (rowid, title, body) VALUES (7, 'Old platypus', 'kept')`,
	)

	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	defer db.Close()
	var version int
	if err := db.read.QueryRow("SELECT max(version) FROM " + versionTable).Scan(&version); err != nil || version != len(migs) {
		t.Fatalf("schema version %d, %v; want %d", version, err, len(migs))
	}
	var automerge int
	if err := db.read.QueryRow("SELECT v FROM items_fts_config WHERE k = 'automerge'").Scan(&automerge); err != nil || automerge != 16 {
		t.Errorf("full-text automerge = %d, %v; want 16", automerge, err)
	}

	ctx := t.Context()
	res, err := db.SaveFetch(ctx, 1, store.FetchResult{Now: time.Now(), Items: []store.Item{
		{GUID: "old-1", URL: "https://old.test/1", Title: "Old platypus", Content: "<p>kept</p>", Published: time.UnixMilli(1000)},
		{GUID: "new-1", URL: "https://old.test/2", Title: "New platypus", Content: "<p>added</p>"},
	}})
	if err != nil || res.New != 1 || res.Updated != 0 {
		t.Fatalf("SaveFetch after the upgrade = %+v, %v; want 1 new, the old item known", res, err)
	}
	items, _, err := db.Items(ctx, store.Query{Search: "platypus"})
	if err != nil {
		t.Fatal(err)
	}
	var guids []string
	for _, it := range items {
		guids = append(guids, it.GUID)
	}
	if got := strings.Join(guids, " "); len(items) != 2 || !strings.Contains(got, "old-1") || !strings.Contains(got, "new-1") {
		t.Errorf("search after the upgrade = %q; want old-1 and new-1", got)
	}
	feeds, err := db.Feeds(ctx)
	if err != nil || len(feeds) != 1 || feeds[0].Items != 2 || feeds[0].Unread != 1 {
		t.Errorf("Feeds after the upgrade = %+v, %v; want 2 items, 1 unread", feeds, err)
	}
}
