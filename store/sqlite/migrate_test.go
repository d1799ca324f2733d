package sqlite

import (
	"database/sql"
	"fmt"
	"maps"
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
	items, _, err := db.Items(ctx, uid(t, db), store.Query{Search: "platypus"})
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
	feeds, err := db.Subscriptions(ctx, uid(t, db), true)
	if err != nil || len(feeds) != 1 || feeds[0].Items != 2 || feeds[0].Unread != 1 {
		t.Errorf("Feeds after the upgrade = %+v, %v; want 2 items, 1 unread", feeds, err)
	}
}

// itemsSchema is the schema of the items table's indexes and triggers,
// by name.
func itemsSchema(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}) map[string]string {
	t.Helper()
	rows, err := q.Query("SELECT type || ' ' || name, sql FROM sqlite_master WHERE tbl_name = 'items' AND type <> 'table'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	schema := make(map[string]string)
	for rows.Next() {
		var name string
		var text sql.NullString
		if err := rows.Scan(&name, &text); err != nil {
			t.Fatal(err)
		}
		schema[name] = text.String
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return schema
}

// TestUpgradeDefersItemsForeignKey: migration 0004 rebuilds items with its
// foreign key deferred, keeping its rows (ids, read state), every index and
// the trigger that keeps the full-text index, as migrations 1 to 3 made
// them; and the key is still enforced, at commit.
func TestUpgradeDefersItemsForeignKey(t *testing.T) {
	migs := mustMigrations(t)
	const v3 = 3
	path := filepath.Join(t.TempDir(), "v3.db")
	stmts := []string{"CREATE TABLE " + versionTable + " (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"}
	for _, m := range migs[:v3] {
		stmts = append(stmts, m.SQL, fmt.Sprintf("INSERT INTO %s (version, applied_at) VALUES (%d, 0)", versionTable, m.Version))
	}
	stmts = append(stmts,
		`INSERT INTO feeds (id, url, origin, created_at) VALUES (1, 'https://old.test/feed', 'user', 0)`,
		`INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen, read, starred)
			VALUES (7, 1, 'https://old.test/feed', 'old-1', 'https://old.test/1', 'h', 'Old platypus', '<p>kept</p>', 1000, 1000, 1, 1)`,
		`INSERT INTO items_fts (rowid, title, body) VALUES (7, 'Old platypus', 'kept')`,
		// An item whose feed was deleted by hand, with foreign keys off.
		`INSERT INTO feeds (id, url, origin, created_at) VALUES (2, 'https://gone.test/feed', 'user', 0)`,
		`INSERT INTO items (id, feed_id, feed_url, guid, url, content_hash, title, content, published, first_seen)
			VALUES (8, 2, 'https://gone.test/feed', 'gone-1', 'https://gone.test/1', 'h', 'Orphan', '<p>left</p>', 1000, 1000)`,
		`PRAGMA foreign_keys = OFF`,
		`DELETE FROM feeds WHERE id = 2`,
	)
	rawExec(t, path, stmts...)
	// The later migrations change items' indexes again (0006): after all
	// of them, items is as in a database made new.
	fresh := openTemp(t)
	before := itemsSchema(t, fresh.read)

	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open of a version 3 database: %v", err)
	}
	defer db.Close()
	if after := itemsSchema(t, db.read); !maps.Equal(before, after) {
		t.Errorf("items' indexes and triggers after the upgrade:\n%v\nwant those of a new database:\n%v", after, before)
	}
	var table string
	if err := db.read.QueryRow("SELECT sql FROM sqlite_master WHERE name = 'items'").Scan(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED") {
		t.Errorf("items after 0004:\n%s\nwant feed_id's key deferred", table)
	}
	var id int64
	var read, starred int
	if err := db.read.QueryRow(`SELECT i.id, s.read, s.starred FROM items i JOIN item_states s ON s.item_id = i.id
		WHERE i.guid = 'old-1'`).Scan(&id, &read, &starred); err != nil || id != 7 || read != 1 || starred != 1 {
		t.Errorf("old item after 0004: id %d read %d starred %d, %v; want id 7, read and starred", id, read, starred, err)
	}
	var orphanFeed sql.NullInt64
	if err := db.read.QueryRow("SELECT feed_id FROM items WHERE guid = 'gone-1'").Scan(&orphanFeed); err != nil || orphanFeed.Valid {
		t.Errorf("item of a feed deleted by hand after 0004: feed_id %v, %v; want it kept, without a feed", orphanFeed, err)
	}
	var indexed int
	if err := db.read.QueryRow("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'platypus'").Scan(&indexed); err != nil || indexed != 1 {
		t.Errorf("full-text rows of the old item after 0004: %d, %v; want 1", indexed, err)
	}

	// Deleting the item still clears its full-text row (the trigger).
	ctx := t.Context()
	if err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM items WHERE id = 7")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.read.QueryRow("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'platypus'").Scan(&indexed); err != nil || indexed != 0 {
		t.Errorf("full-text rows of the deleted item: %d, %v; want 0", indexed, err)
	}

	// An item of no feed is refused, at commit, and nothing of it stays.
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO items (feed_id, feed_url, content_hash, published, first_seen)
			VALUES (999, 'https://none.test/feed', 'h', 0, 0)`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("commit of an item of no feed = %v; want a foreign key error", err)
	}
	var orphans int
	if err := db.read.QueryRow("SELECT count(*) FROM items WHERE feed_id = 999").Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d items of no feed stored, %v; want none", orphans, err)
	}
	// The failed commit left no transaction open on the write connection.
	if res, err := db.SaveFetch(ctx, 1, store.FetchResult{Now: time.Now(), Items: []store.Item{
		{GUID: "after-1", Title: "After the refused commit", Content: "<p>saved</p>"},
	}}); err != nil || res.New != 1 {
		t.Errorf("SaveFetch after the refused commit = %+v, %v; want 1 new", res, err)
	}
}
